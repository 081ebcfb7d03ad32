// Turns `tl predict` arguments (files, folders, glob patterns with * ? and **) into a sorted
// list of files. Node 20's fs has no glob, so this is a small matcher of our own.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { DirVisits, listDir, walkReasons, type DirEntry } from '../data';

export interface ExpandedInputs {
  /** files to predict, in argument order; each argument's matches sorted, duplicates removed */
  files: string[];
  /** arguments that named nothing (missing path, pattern without a match), with the reason */
  missing: { id: string; reason: string }[];
}

export function hasGlobChars(s: string): boolean {
  return /[*?]/.test(s);
}

/**
 * Regular expression for one path segment: `*` = any run of characters but '/', `?` = one
 * such character; everything else literal. A leading dot must be matched literally, as in
 * shells, so `*` does not pick up hidden files.
 */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (const ch of segment) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const hiddenGuard = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hiddenGuard}${re}$`);
}

async function readDirSafe(dir: string): Promise<DirEntry[]> {
  return listDir(dir).catch(() => []);
}

/** Device and inode of a folder: its identity through any symlinks. */
async function realDirKey(dir: string): Promise<string> {
  const st = await fsp.stat(dir);
  return `${st.dev}:${st.ino}`;
}

/** Paths (files and folders) matching `pattern`; `**` as a whole segment matches any depth. */
export async function matchGlob(pattern: string, cwd = process.cwd()): Promise<string[]> {
  const abs = path.resolve(cwd, pattern);
  const root = path.parse(abs).root;
  const segments = abs.slice(root.length).split(path.sep).filter((s) => s !== '');
  const results: string[] = [];
  // Depth-first over the segments; `visited` (real folders, by inode) ends ** at symlink loops.
  const visited = new Set<string>();
  const walk = async (dir: string, i: number): Promise<void> => {
    if (i === segments.length) {
      results.push(dir);
      return;
    }
    const seg = segments[i];
    if (seg === '**') {
      const key = `${await realDirKey(dir)}\0${i}`;
      if (visited.has(key)) return;
      visited.add(key);
      await walk(dir, i + 1); // ** matches zero folders too
      for (const e of await readDirSafe(dir)) if (e.kind === 'dir' && !e.name.startsWith('.')) await walk(path.join(dir, e.name), i);
      return;
    }
    if (!hasGlobChars(seg)) {
      const next = path.join(dir, seg);
      const st = await fsp.stat(next).catch(() => undefined);
      if (st && (i === segments.length - 1 || st.isDirectory())) await walk(next, i + 1);
      return;
    }
    const re = segmentRegExp(seg);
    for (const e of await readDirSafe(dir)) {
      if (!re.test(e.name)) continue;
      if (i < segments.length - 1 && e.kind !== 'dir') continue;
      await walk(path.join(dir, e.name), i + 1);
    }
  };
  await walk(root, 0);
  return [...new Set(results)];
}

/**
 * Image files under `dir`, recursively, hidden entries skipped, sorted by path; each real folder
 * is read once. Symlink loops and dangling links go to `onSkip`. Pipes and devices with an image
 * name are listed: the reader refuses them by name.
 */
export async function imagesUnder(dir: string, isImage: (name: string) => boolean, onSkip: (s: { id: string; reason: string }) => void = () => {}, visits = new DirVisits()): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const first = await visits.enter(d);
    if (first !== undefined) return onSkip({ id: d, reason: walkReasons.loop(first) });
    for (const e of await readDirSafe(d)) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.kind === 'dir') await walk(p);
      else if (e.kind === 'dangling') onSkip({ id: p, reason: walkReasons.dangling(e.target) });
      else if (isImage(e.name)) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/**
 * Expands predict's arguments. A file is taken as given (even without an image extension: if
 * it cannot be decoded it is reported then); a folder contributes its image files; a pattern
 * contributes its matching files (and the images in matching folders).
 */
export async function expandInputs(args: string[], isImage: (name: string) => boolean, cwd = process.cwd()): Promise<ExpandedInputs> {
  const files: string[] = [];
  const seen = new Set<string>();
  const missing: { id: string; reason: string }[] = [];
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      files.push(f);
    }
  };
  for (const arg of args) {
    const matches = hasGlobChars(arg) ? await matchGlob(arg, cwd) : [path.resolve(cwd, arg)];
    let found = 0;
    for (const m of matches) {
      const st = await fsp.stat(m).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        const imgs = await imagesUnder(m, isImage, (skip) => missing.push(skip));
        imgs.forEach(add);
        found += imgs.length;
      } else {
        add(m);
        found++;
      }
    }
    if (found === 0) {
      const reason = hasGlobChars(arg)
        ? 'the pattern matches no files'
        : matches.length === 1 && (await fsp.stat(matches[0]).catch(() => undefined))?.isDirectory()
          ? 'the folder holds no image files'
          : 'no such file or folder';
      missing.push({ id: arg, reason });
    }
  }
  return { files, missing };
}
