// Fingerprints of a run's inputs for its id: a local folder or file is summarised by the paths,
// sizes and modification times of what it holds (cheap: no file is read), a built-in set or zoo
// name by its text. Adding, removing or touching an image therefore changes the ids that use it.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { InputFingerprint } from './expand';

/** Folders larger than this are summarised by their first entries only (walk order is sorted). */
const MAX_ENTRIES = 200_000;

function statLines(root: string): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  const visit = (dir: string) => {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (lines.length >= MAX_ENTRIES) return;
      const full = path.join(dir, e.name);
      const st = fs.statSync(full, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) visit(full);
      else lines.push(`${path.relative(root, full)}\t${st.size}\t${Math.round(st.mtimeMs)}`);
    }
  };
  visit(root);
  return lines;
}

/** The fingerprint of a data spec, base or model reference, resolved against `cwd`. */
export function fingerprintInput(cwd: string): InputFingerprint {
  const memo = new Map<string, string>();
  return (kind, value) => {
    const key = `${kind}\0${value}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const local = path.resolve(cwd, value);
    const st = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? undefined : fs.statSync(local, { throwIfNoEntry: false });
    let print: string;
    if (!st) print = `name:${value}`;
    else {
      const lines = st.isDirectory() ? statLines(local) : [`${path.basename(local)}\t${st.size}\t${Math.round(st.mtimeMs)}`];
      print = `path:${value}:` + createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
    }
    memo.set(key, print);
    return print;
  };
}
