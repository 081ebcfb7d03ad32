// Finds the images of a folder data set: one sub-folder per class, or a pre-split tree
// (train/ val|validation/ test/ each holding class folders). Lists files only; reading,
// hashing and checking them is probe.ts's job.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { DataError } from '../errors';
import type { SplitName } from './types';
import { parseSplitName } from './manifest';

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
}

const LAYOUT_HINT =
  'Expected imgs/<class>/<image> (one folder per class), or a pre-split tree imgs/train/<class>/..., imgs/val/<class>/..., imgs/test/<class>/....';

/** Scans `root`, following symlinks. Files are sorted by path so results never depend on directory order. */
export async function scanFolder(root: string): Promise<FolderScan> {
  const top = await listDir(root);
  let ignoredCount = 0;
  const dirs: string[] = [];
  for (const e of top) {
    if (isHiddenName(e.name)) ignoredCount++;
    else if (e.isDir) dirs.push(e.name);
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
      for (const e of await listDir(path.join(root, sd))) {
        if (isHiddenName(e.name) || !e.isDir) ignoredCount++;
        else classRoots.push({ dir: path.join(root, sd, e.name), label: e.name, split });
      }
    }
  } else {
    for (const d of dirs) classRoots.push({ dir: path.join(root, d), label: d });
  }
  for (const cr of classRoots) {
    labels.add(cr.label);
    ignoredCount += await walkClassFolder(cr.dir, (p) => files.push({ path: p, label: cr.label, split: cr.split }));
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, presplit, labels: [...labels].sort(), files, ignoredCount };
}

/** Walks a class folder and its sub-folders; returns how many entries were ignored. */
async function walkClassFolder(dir: string, onImage: (p: string) => void): Promise<number> {
  let ignored = 0;
  for (const e of await listDir(dir)) {
    const p = path.join(dir, e.name);
    if (isHiddenName(e.name)) ignored++;
    else if (e.isDir) ignored += await walkClassFolder(p, onImage);
    else if (isImageFileName(e.name)) onImage(p);
    else ignored++;
  }
  return ignored;
}

interface Entry {
  name: string;
  isDir: boolean;
}

async function listDir(dir: string): Promise<Entry[]> {
  let dirents;
  try {
    dirents = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new DataError(`cannot read folder ${dir}: ${(err as Error).message}`, 'Check that the folder exists and is readable.');
  }
  const out: Entry[] = [];
  for (const d of dirents) {
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) {
      // Follow links; a dangling link is treated as a file so the prober reports it.
      isDir = await fsp.stat(path.join(dir, d.name)).then((s) => s.isDirectory(), () => false);
    }
    out.push({ name: d.name, isDir });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
