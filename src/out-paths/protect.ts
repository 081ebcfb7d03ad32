// Folders --overwrite must never replace, whatever they hold: the file-system root, the home
// folder, the working folder, the data being trained on, and every folder that contains one of
// them. Pure: the caller passes the paths (absolute, links resolved).
import * as path from 'path';
import { isInside } from './check';

export interface ProtectedPaths {
  cwd: string;
  home: string;
  /** The --data path (folder or manifest file), when the data is on disk. */
  data?: string[];
}

/** Why replacing `target` would destroy something that is not a tl run, or undefined when it would not. */
export function protectedRefusal(target: string, p: ProtectedPaths): string | undefined {
  const t = path.resolve(target);
  if (t === path.parse(t).root) return 'it is the root of the file system';
  const named: [string, string][] = [
    [p.home, 'your home folder'],
    [p.cwd, 'the current folder'],
    ...(p.data ?? []).map((d): [string, string] => [d, `the data (--data ${d})`]),
  ];
  for (const [where, what] of named) {
    const w = path.resolve(where);
    if (t === w) return `it is ${what}`;
    if (isInside(w, t)) return `it contains ${what}`;
  }
  return undefined;
}
