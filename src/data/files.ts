// Finds the images of a folder data set: one sub-folder per class, or a pre-split tree
// (train/ val|validation/ test/ each holding class folders). Lists files only; reading,
// hashing and checking them is probe.ts's job.
import * as path from 'path';
import { DataError } from '../errors';
import type { SplitName } from './types';
import { parseSplitName } from './manifest';
import { DirEntry, DirVisits, listDir, walkReasons } from './walk';

/** An entry a scan passed over for a reason worth showing (loops, dangling links). */
export interface SkippedEntry {
  id: string;
  reason: string;
}

/** Extensions we decode (compared lower-case). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

export function isImageFileName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/** Dot files and folders (.DS_Store, .git, ._foo.jpg from macOS) are never data. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

export interface FoundFile {
  /** absolute path */
  path: string;
  /** class (folder) name */
  label: string;
  split?: SplitName;
}

export interface FolderScan {
  root: string;
  presplit: boolean;
  /** every class folder found, sorted; a class may have no image files (the loader reports it) */
  labels: string[];
  files: FoundFile[];
  /** hidden entries, non-image files, and files outside class folders */
  ignoredCount: number;
  /** symlink loops and dangling links, with why */
  skipped: SkippedEntry[];
}

const LAYOUT_HINT =
  'Expected imgs/<class>/<image> (one folder per class), or a pre-split tree imgs/train/<class>/..., imgs/val/<class>/..., imgs/test/<class>/....';

/** Scans `root`, following symlinks. Files are sorted by path so results never depend on directory order. */
export async function scanFolder(root: string): Promise<FolderScan> {
  const top = await listDirOrThrow(root);
  let ignoredCount = 0;
  const skipped: SkippedEntry[] = [];
  const dirs: string[] = [];
  for (const e of top) {
    if (isHiddenName(e.name)) ignoredCount++;
    else if (e.kind === 'dir') dirs.push(e.name);
    else if (e.kind === 'dangling') skipped.push({ id: path.join(root, e.name), reason: walkReasons.dangling(e.target) });
    else ignoredCount++; // files beside the class folders have no label
  }
  const splitDirs = dirs.filter((d) => parseSplitName(d) !== undefined);
  const hasTrain = splitDirs.some((d) => parseSplitName(d) === 'train');
  if (hasTrain && splitDirs.length < dirs.length) {
    const others = dirs.filter((d) => parseSplitName(d) === undefined);
    throw new DataError(
      `${root} mixes split folders (${splitDirs.join(', ')}) with other folders (${others.slice(0, 5).join(', ')})`,
      `Move the class folders into train/, val/ and test/, or remove the split folders. ${LAYOUT_HINT}`,
    );
  }
  const presplit = hasTrain;

  const files: FoundFile[] = [];
  const labels = new Set<string>();
  const classRoots: { dir: string; label: string; split?: SplitName }[] = [];
  if (presplit) {
    for (const sd of splitDirs.sort()) {
      const split = parseSplitName(sd)!;
      for (const e of await listDirOrThrow(path.join(root, sd))) {
        if (e.kind === 'dangling') skipped.push({ id: path.join(root, sd, e.name), reason: walkReasons.dangling(e.target) });
        else if (isHiddenName(e.name) || e.kind !== 'dir') ignoredCount++;
        else classRoots.push({ dir: path.join(root, sd, e.name), label: e.name, split });
      }
    }
  } else {
    for (const d of dirs) classRoots.push({ dir: path.join(root, d), label: d });
  }
  const visits = new DirVisits();
  await visits.enter(root);
  for (const cr of classRoots) {
    labels.add(cr.label);
    const onImage = (p: string) => files.push({ path: p, label: cr.label, split: cr.split });
    ignoredCount += await walkClassFolder(cr.dir, visits, onImage, (s) => skipped.push(s));
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, presplit, labels: [...labels].sort(), files, ignoredCount, skipped };
}

/** Walks a class folder and its sub-folders, each real folder once; returns how many entries were ignored. */
async function walkClassFolder(dir: string, visits: DirVisits, onImage: (p: string) => void, onSkip: (s: SkippedEntry) => void): Promise<number> {
  const first = await visits.enter(dir);
  if (first !== undefined) {
    onSkip({ id: dir, reason: walkReasons.loop(first) });
    return 0;
  }
  let ignored = 0;
  for (const e of await listDirOrThrow(dir)) {
    const p = path.join(dir, e.name);
    if (isHiddenName(e.name)) ignored++;
    else if (e.kind === 'dir') ignored += await walkClassFolder(p, visits, onImage, onSkip);
    else if (e.kind === 'dangling') onSkip({ id: p, reason: walkReasons.dangling(e.target) });
    // Pipes and devices with an image name go on to the reader, which refuses them by name.
    else if (isImageFileName(e.name)) onImage(p);
    else ignored++;
  }
  return ignored;
}

async function listDirOrThrow(dir: string): Promise<DirEntry[]> {
  try {
    return await listDir(dir);
  } catch (err) {
    throw new DataError(`cannot read folder ${dir}: ${(err as Error).message}`, 'Check that the folder exists and is readable.');
  }
}
