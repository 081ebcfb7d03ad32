// Directory listing for every folder walk (data sets, inspect, predict folders and globs):
// symlinks followed, but each real directory entered once, so link loops end and are reported.
import { promises as fsp } from 'fs';
import * as path from 'path';

export interface DirEntry {
  name: string;
  /** 'dir' and 'file' after following symlinks; 'dangling' for a link to nothing; 'other' for devices, pipes, sockets */
  kind: 'dir' | 'file' | 'dangling' | 'other';
  /** the link's target, for dangling links (to name it in a skip line) */
  target?: string;
}

/** Lists `dir` sorted by name (results never depend on directory order). Throws on an unreadable folder. */
export async function listDir(dir: string): Promise<DirEntry[]> {
  const dirents = await fsp.readdir(dir, { withFileTypes: true });
  const out: DirEntry[] = [];
  for (const d of dirents) {
    if (!d.isSymbolicLink()) {
      out.push({ name: d.name, kind: d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other' });
      continue;
    }
    const full = path.join(dir, d.name);
    const st = await fsp.stat(full).catch(() => undefined);
    if (st) out.push({ name: d.name, kind: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other' });
    else out.push({ name: d.name, kind: 'dangling', target: await fsp.readlink(full).catch(() => '?') });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The real directories a walk has entered, by device and inode. `enter` answers false for one
 * already entered: through `ln -s . loop` a walk would otherwise recurse until memory runs out.
 */
export class DirVisits {
  private readonly seen = new Map<string, string>();

  /** Records `dir`; returns the path it was first entered by if it was entered before, else undefined. */
  async enter(dir: string): Promise<string | undefined> {
    const st = await fsp.stat(dir);
    const key = `${st.dev}:${st.ino}`;
    const first = this.seen.get(key);
    if (first !== undefined) return first;
    this.seen.set(key, dir);
    return undefined;
  }
}

/** Skip reasons for entries a walk passes over, worded alike everywhere. */
export const walkReasons = {
  loop: (firstPath: string) => `a symlink loop: this folder was already read as ${firstPath}`,
  dangling: (target: string | undefined) => `a dangling symlink (its target ${target ?? '?'} does not exist)`,
};
