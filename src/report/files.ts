// Writing report files without ever leaving a half-written one: each file goes to a temporary
// name in the same folder and is renamed into place. Also the CSV text of a confusion matrix.
import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes every file of `files` (name -> content) into `dir`. All contents are written to
 * temporary names first and renamed only once all writes succeeded, so an error (disk full,
 * interrupt) leaves the previous set of files untouched rather than a mix. Other files in
 * `dir` are left alone (the folder may be the user's).
 */
export async function writeFilesAtomic(dir: string, files: Record<string, Buffer | string>): Promise<string[]> {
  await fs.promises.mkdir(dir, { recursive: true });
  const suffix = `.tmp-${process.pid}-${Date.now().toString(36)}`;
  const staged: [string, string][] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      if (name !== path.basename(name)) throw new Error(`report file name '${name}' must not contain a folder`);
      const final = path.join(dir, name);
      const tmp = path.join(dir, `.${name}${suffix}`);
      await fs.promises.writeFile(tmp, content);
      staged.push([tmp, final]);
    }
    for (const [tmp, final] of staged) await fs.promises.rename(tmp, final);
  } catch (err) {
    await Promise.all(staged.map(([tmp]) => fs.promises.rm(tmp, { force: true })));
    throw err;
  }
  return staged.map(([, final]) => final);
}

/** One CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: (string | number)[]): string {
  return cells.map(csvField).join(',');
}

/** Rows are true classes, columns predicted classes; the first column/row hold the names. */
export function confusionMatrixCsv(labels: string[], counts: number[][]): string {
  const header = csvLine(['true\\predicted', ...labels]);
  const rows = counts.map((row, i) => csvLine([labels[i], ...row]));
  return [header, ...rows].join('\n') + '\n';
}
