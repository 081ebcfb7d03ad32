// Checks on a path tl is about to write (--out, --report, --tensorboard, a checkpoint folder),
// made before any work: a run must not train for an hour and then find it cannot save.
// Node's recursive mkdir never returns under /proc (it retries ENOENT forever, blocking signals),
// so those trees are refused by name before anything touches them.
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../errors';

/** Kernel file systems: nothing tl writes belongs there. */
export const SYSTEM_ROOTS: readonly string[] = ['/proc', '/sys', '/dev'];

/** True when `p` is `root` or lies below it (both absolute and normalised). Pure. */
export function isInside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The system root `p` lies in, if any. Pure. */
export function systemRootOf(p: string): string | undefined {
  return SYSTEM_ROOTS.find((root) => isInside(p, root));
}

/** The deepest existing ancestor of absolute `p` (p itself when it exists), and whether it is a folder. */
export function deepestExisting(p: string): { path: string; isDirectory: boolean } {
  let cur = p;
  for (;;) {
    try {
      return { path: cur, isDirectory: fs.statSync(cur).isDirectory() };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: a file stands somewhere above; keep climbing to find it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    const up = path.dirname(cur);
    if (up === cur) return { path: cur, isDirectory: true };
    cur = up;
  }
}

/** `p` made absolute with the symbolic links of its existing part resolved, so a link cannot hide where a write lands. */
export function resolveReal(p: string): string {
  const abs = path.resolve(p);
  const existing = deepestExisting(abs).path;
  try {
    return path.join(fs.realpathSync(existing), path.relative(existing, abs));
  } catch {
    return abs;
  }
}

/** Creates and removes a probe file in `dir`; returns the error code when that fails. */
export function probeWritable(dir: string): string | undefined {
  const probe = path.join(dir, `.tl-write-probe-${process.pid}-${Date.now().toString(36)}`);
  try {
    fs.writeFileSync(probe, '', { flag: 'wx' });
    fs.rmSync(probe, { force: true });
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

export interface WriteTarget {
  /** The flag that named the path, for messages: '--out', '--report', '--tensorboard'. */
  flag: string;
  /**
   * 'sibling': tl writes beside the path (a temporary sibling renamed into place), so its parent
   * must be writable. 'inside': tl writes files into the folder at the path.
   */
  writes: 'sibling' | 'inside';
}

/**
 * Refuses (UsageError, exit 2) a folder path tl could not write: under /proc, /sys or /dev;
 * below a file; an existing file where a folder is wanted; or a place where a probe file cannot
 * be created. Creates nothing. Returns the absolute path with links resolved.
 */
export function checkWriteTarget(p: string, t: WriteTarget): string {
  const real = resolveReal(p);
  const root = systemRootOf(path.resolve(p)) ?? systemRootOf(real);
  if (root) {
    throw new UsageError(`${t.flag} ${p} is under ${root}, a kernel file system: tl does not write there`, `Choose a folder on a disk, e.g. ${t.flag} runs/<name>.`);
  }
  const found = deepestExisting(real);
  if (found.path === real && !found.isDirectory) {
    throw new UsageError(`${t.flag} ${p} is an existing file, not a folder`, `Choose a folder path for ${t.flag}; tl does not replace files.`);
  }
  if (!found.isDirectory) {
    throw new UsageError(`${t.flag} ${p} cannot be created: ${found.path} is a file, not a folder`, `Choose a path whose parent is a folder, e.g. ${t.flag} runs/<name>.`);
  }
  // Where the first byte lands: inside an existing folder, else its deepest existing ancestor.
  const probeDir = t.writes === 'inside' && found.path === real ? real : deepestExisting(path.dirname(real)).path;
  const failed = probeWritable(probeDir);
  if (failed) {
    throw new UsageError(`${t.flag} ${p} cannot be written: creating a file in ${probeDir} failed (${failed})`, `Choose a folder you can write to for ${t.flag}.`);
  }
  return real;
}
