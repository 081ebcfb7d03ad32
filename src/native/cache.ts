// The native-library cache: complete entries (libraries + built addon) keyed by what the
// addon depends on, created by atomic rename and restored into node_modules in seconds.
import * as fs from 'fs';
import * as path from 'path';
import { cacheEntryName, NativeSource, NativeStamp, TfjsNodeLayout } from './layout';

/** entry.json inside a cache entry. */
export interface CacheEntryMeta {
  origin: Exclude<NativeSource, 'cache'>;
  tensorflowVersion: string;
  tfjsNodeVersion: string;
  napiBuildVersion: number;
  platform: string;
  arch: string;
  createdAt: string;
  /** Files under lib/ (regular files and symlinks), for a completeness check on restore. */
  libFiles: string[];
}

export interface CacheEntry {
  dir: string;
  meta: CacheEntryMeta;
}

const ENTRY_META = 'entry.json';
const ADDON_NAME = 'tfjs_binding.node';

/** Complete entries whose name starts with prefix, newest first. Incomplete or foreign dirs are ignored. */
export function listCacheEntries(nativeCacheDir: string, prefix: string): CacheEntry[] {
  if (!fs.existsSync(nativeCacheDir)) return [];
  const entries: CacheEntry[] = [];
  for (const name of fs.readdirSync(nativeCacheDir)) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(nativeCacheDir, name);
    const entry = readEntry(dir);
    if (entry) entries.push(entry);
  }
  return entries.sort((a, b) => b.meta.createdAt.localeCompare(a.meta.createdAt));
}

export function readEntry(dir: string): CacheEntry | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, ENTRY_META), 'utf8')) as CacheEntryMeta;
    if (!fs.existsSync(path.join(dir, 'addon', ADDON_NAME))) return undefined;
    for (const f of meta.libFiles) {
      // lstat: a dangling link inside lib/ still counts as present; the check is for truncated entries.
      fs.lstatSync(path.join(dir, 'lib', f));
    }
    return { dir, meta };
  } catch {
    return undefined;
  }
}

/** A fresh staging directory inside the cache (same filesystem, so the final rename is atomic). */
export function makeStagingDir(nativeCacheDir: string): string {
  fs.mkdirSync(nativeCacheDir, { recursive: true });
  return fs.mkdtempSync(path.join(nativeCacheDir, '.staging-'));
}

/**
 * Turns a staging dir holding lib/ and addon/ into a complete entry. If an entry of the same
 * name already exists (another process won the race), the staging dir is discarded.
 */
export function commitEntry(
  nativeCacheDir: string,
  stagingDir: string,
  prefix: string,
  meta: Omit<CacheEntryMeta, 'libFiles' | 'createdAt'>,
): CacheEntry {
  const libFiles = fs.readdirSync(path.join(stagingDir, 'lib')).sort();
  const full: CacheEntryMeta = { ...meta, libFiles, createdAt: new Date().toISOString() };
  fs.writeFileSync(path.join(stagingDir, ENTRY_META), JSON.stringify(full, null, 2));
  const finalDir = path.join(nativeCacheDir, cacheEntryName(prefix, meta.tensorflowVersion));
  const existing = readEntry(finalDir);
  if (existing) {
    fs.rmSync(stagingDir, { recursive: true, force: true });
    return existing;
  }
  fs.rmSync(finalDir, { recursive: true, force: true }); // an incomplete leftover, never a complete entry
  fs.renameSync(stagingDir, finalDir);
  return { dir: finalDir, meta: full };
}

/** Hard link when possible (instant, no extra disk), copy across filesystems. */
function linkOrCopy(src: string, dest: string): void {
  try {
    fs.linkSync(src, dest);
  } catch {
    fs.copyFileSync(src, dest);
  }
}

/** Copies lib/ of a directory into dest, re-creating symlinks as symlinks. */
export function cloneLibDir(srcLib: string, destLib: string): void {
  fs.mkdirSync(destLib, { recursive: true });
  for (const name of fs.readdirSync(srcLib)) {
    const src = path.join(srcLib, name);
    const st = fs.lstatSync(src);
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), path.join(destLib, name));
    else if (st.isFile()) linkOrCopy(src, path.join(destLib, name));
  }
}

/**
 * Puts an entry's libraries and addon into tfjs-node's folders. deps/ is swapped by rename so a
 * crash never leaves half a library set; the stamp is written last.
 */
export function restoreEntry(entry: CacheEntry, layout: TfjsNodeLayout, source: NativeSource): NativeStamp {
  const depsDir = path.dirname(layout.depsLibDir);
  const tmpDeps = `${depsDir}.tl-tmp-${process.pid}`;
  fs.rmSync(tmpDeps, { recursive: true, force: true });
  cloneLibDir(path.join(entry.dir, 'lib'), path.join(tmpDeps, 'lib'));
  const oldDeps = `${depsDir}.tl-old-${process.pid}`;
  if (fs.existsSync(depsDir)) fs.renameSync(depsDir, oldDeps);
  fs.renameSync(tmpDeps, depsDir);
  fs.rmSync(oldDeps, { recursive: true, force: true });

  fs.mkdirSync(path.dirname(layout.addonPath), { recursive: true });
  const tmpAddon = `${layout.addonPath}.tl-tmp-${process.pid}`;
  fs.copyFileSync(path.join(entry.dir, 'addon', ADDON_NAME), tmpAddon);
  fs.renameSync(tmpAddon, layout.addonPath);

  const stamp: NativeStamp = {
    source,
    origin: entry.meta.origin,
    tensorflowVersion: entry.meta.tensorflowVersion,
    cacheEntry: entry.dir,
    at: new Date().toISOString(),
  };
  fs.writeFileSync(layout.stampPath, JSON.stringify(stamp, null, 2));
  return stamp;
}

/** Size in bytes of a directory tree (symlinks not followed). */
export function dirSize(dir: string): number {
  let total = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    if (st.isDirectory()) total += dirSize(p);
    else if (st.isFile()) total += st.size;
  }
  return total;
}
