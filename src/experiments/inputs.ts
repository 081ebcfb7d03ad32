// Fingerprints of a run's inputs for its id: a local folder or file is summarised by the paths,
// sizes and content hashes of what it holds, a built-in set or zoo name by its text. Contents, not
// modification times: a fresh checkout on another CI runner must give the same ids (shards, merge).
// Adding, removing or changing an image changes the ids that use it; each file is read once a run.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { InputFingerprint } from './expand';

/** Folders larger than this are summarised by their first entries only (walk order is sorted). */
const MAX_ENTRIES = 200_000;

function contentHash(file: string): string {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
  } catch {
    return 'unreadable';
  }
}

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
      else lines.push(`${path.relative(root, full)}\t${st.size}\t${contentHash(full)}`);
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
      const lines = st.isDirectory() ? statLines(local) : [`${path.basename(local)}\t${st.size}\t${contentHash(local)}`];
      print = `path:${value}:` + createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
    }
    memo.set(key, print);
    return print;
  };
}
