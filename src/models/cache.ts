// The model cache on disk: downloading a tfjs model (model.json + shards) or importing a folder
// into it, verified in a temporary folder and renamed into place only when complete.
// It does not load TensorFlow models; it only moves and checks files.
import * as fs from 'fs';
import * as path from 'path';
import { ModelError } from '../errors';
import { FetchError, getBuffer, getToFile, ResponseTooLargeError, type GetOptions } from './http';
import {
  checkModelFiles,
  checkSizesAndHashes,
  expectedGroupBytes,
  MAX_MODEL_JSON_BYTES,
  parseModelJson,
  sha256Hex,
  verifyModelDir,
  weightPaths,
  type FileRecord,
} from './manifest';
import type { KnownFile } from './zoo';

/** Weights with no declared size (string tensors, no registry entry) stop here: 4 GiB in all. */
const MAX_UNDECLARED_WEIGHTS_BYTES = 4 * 1024 ** 3;

/** Written last into every cache entry; its presence marks the entry complete. */
export const SOURCE_RECORD = 'tl-source.json';

export interface SourceRecord {
  /** The URL it was downloaded from, or the folder it was imported from. */
  source: string;
  storedAt: string;
  files: Record<string, FileRecord>;
}

export interface ProgressEvent {
  stage: string;
  done: number;
  total: number;
}

/** Cache folder of a zoo model: <cacheDir>/<name>. */
export function zooCachePath(cacheDir: string, name: string): string {
  return path.join(cacheDir, name);
}

/** Cache folder of a model fetched by URL: <cacheDir>/url-<first 16 hex of SHA-256(url)>. */
export function urlCachePath(cacheDir: string, url: string): string {
  return path.join(cacheDir, `url-${sha256Hex(url).slice(0, 16)}`);
}

export type CacheState = { state: 'absent' } | { state: 'ok'; record: SourceRecord } | { state: 'damaged'; problem: string };

/**
 * Whether a cache entry is complete and intact: its source record exists and every file
 * still has the recorded size and SHA-256 (and matches `known` sizes/hashes when given).
 * With `hashes: false` only sizes are compared (cheap, for listings).
 */
export async function checkCacheEntry(dir: string, known?: Record<string, KnownFile>, opts: { hashes?: boolean } = {}): Promise<CacheState> {
  const hashes = opts.hashes ?? true;
  let record: SourceRecord;
  try {
    record = JSON.parse(await fs.promises.readFile(path.join(dir, SOURCE_RECORD), 'utf8')) as SourceRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return fs.existsSync(dir) ? { state: 'damaged', problem: `${SOURCE_RECORD} is missing (an incomplete copy)` } : { state: 'absent' };
    }
    return { state: 'damaged', problem: `${SOURCE_RECORD} is unreadable: ${(err as Error).message}` };
  }
  try {
    const actual = await verifyModelDir(dir, known, { hashes });
    for (const [file, rec] of Object.entries(record.files ?? {})) {
      const now = actual[file];
      if (!now || now.bytes !== rec.bytes || (hashes && now.sha256 !== rec.sha256)) {
        return { state: 'damaged', problem: `${file} changed since it was stored` };
      }
    }
  } catch (err) {
    return { state: 'damaged', problem: (err as Error).message };
  }
  return { state: 'ok', record };
}

/** Temporary folders older than this were left by a killed process and are removed. */
const STALE_TEMP_MS = 24 * 3600 * 1000;

/**
 * A fresh temporary folder beside `finalDir` (same file system, so rename is atomic).
 * Also clears this entry's temporary folders left by killed runs more than a day ago.
 */
async function makeTempSibling(finalDir: string): Promise<string> {
  const parent = path.dirname(finalDir);
  await fs.promises.mkdir(parent, { recursive: true });
  const prefix = `.tmp-${path.basename(finalDir)}-`;
  for (const name of await fs.promises.readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const stale = path.join(parent, name);
    const st = await fs.promises.stat(stale).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > STALE_TEMP_MS) await fs.promises.rm(stale, { recursive: true, force: true });
  }
  return fs.promises.mkdtemp(path.join(parent, `${prefix}${process.pid}-`));
}

/**
 * Moves a complete temporary folder to `finalDir`. An existing entry is replaced only when
 * `replace` is set (it is moved aside first, so there is never a moment with a half entry).
 */
async function moveIntoPlace(tmp: string, finalDir: string, replace: boolean): Promise<void> {
  let aside: string | undefined;
  if (fs.existsSync(finalDir)) {
    if (!replace) {
      // Another process finished the same entry first; keep theirs.
      await fs.promises.rm(tmp, { recursive: true, force: true });
      return;
    }
    aside = `${tmp}-old`;
    await fs.promises.rename(finalDir, aside);
  }
  await fs.promises.rename(tmp, finalDir);
  if (aside) await fs.promises.rm(aside, { recursive: true, force: true });
}

export interface DownloadOptions extends GetOptions {
  /** Sizes/hashes known in advance (from the registry), keyed by path relative to model.json. */
  known?: Record<string, KnownFile>;
  onProgress?: (e: ProgressEvent) => void;
  /** Replace an existing (e.g. damaged) entry. */
  replace?: boolean;
}

/**
 * Downloads model.json from `url` and every weight file it lists (resolved relative to the
 * final model.json URL, as tfjs does), verifies them and stores them at `finalDir`.
 * Throws FetchError for network problems and ModelError for wrong content; in both cases
 * nothing is left in the cache.
 */
export async function downloadModelToCache(url: string, finalDir: string, opts: DownloadOptions = {}): Promise<SourceRecord> {
  const tmp = await makeTempSibling(finalDir);
  try {
    opts.onProgress?.({ stage: 'model.json', done: 0, total: 0 });
    const { body, url: finalUrl } = await getBuffer(url, MAX_MODEL_JSON_BYTES, opts);
    const text = body.toString('utf8');
    const modelJson = parseModelJson(text, url);
    await fs.promises.writeFile(path.join(tmp, 'model.json'), body);
    const files: Record<string, FileRecord> = { 'model.json': { bytes: body.length, sha256: sha256Hex(body) } };

    const paths = weightPaths(modelJson);
    const declared = modelJson.weightsManifest.map(expectedGroupBytes);
    const allDeclared = declared.every((b) => b !== undefined);
    const total = allDeclared
      ? (declared as number[]).reduce((a, b) => a + b, 0)
      : paths.reduce((a, p) => a + (opts.known?.[p]?.bytes ?? 0), 0);
    // What the weights may take on disk: what model.json declares, else the registry's sizes,
    // else (string weights, no registry entry) a cap no loadable model reaches.
    const registrySized = paths.every((p) => opts.known?.[p]);
    const budget = allDeclared || registrySized ? total : MAX_UNDECLARED_WEIGHTS_BYTES;
    const budgetSource = allDeclared ? 'model.json declares' : registrySized ? 'the registry lists' : 'tl allows for weights of undeclared size';
    let done = 0;
    opts.onProgress?.({ stage: 'weights', done, total });
    for (const p of paths) {
      const file = path.join(tmp, ...p.split('/'));
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const shardUrl = new URL(p, finalUrl).href;
      // Each file may use what the earlier ones left of the budget (its registry size, if known).
      const maxBytes = Math.min(budget - done, opts.known?.[p]?.bytes ?? Infinity);
      const r = await getToFile(shardUrl, file, (n) => {
        done += n;
        opts.onProgress?.({ stage: 'weights', done, total });
      }, { ...opts, maxBytes }).catch((err: unknown) => {
        if (!(err instanceof ResponseTooLargeError)) throw err;
        throw new ModelError(
          `weight file ${p} (${shardUrl}) has more than the ${maxBytes} bytes left for it of the ${budget} that ${budgetSource}: stopped reading there`,
          'The server sends files that do not belong to this model.json; check the URL or the mirror ($TL_MODEL_BASE_URL).',
        );
      });
      files[p] = { bytes: r.bytes, sha256: r.sha256 };
    }
    checkSizesAndHashes(modelJson, files, opts.known, url);
    const record: SourceRecord = { source: url, storedAt: new Date().toISOString(), files };
    await fs.promises.writeFile(path.join(tmp, SOURCE_RECORD), JSON.stringify(record, null, 2) + '\n');
    await moveIntoPlace(tmp, finalDir, Boolean(opts.replace));
    return record;
  } catch (err) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Copies a model folder carried in by hand (model.json + its weight files) into the cache at
 * `finalDir`, after checking it like a download. Refuses to replace an intact entry unless `replace`.
 */
export async function importModelToCache(
  srcDir: string,
  finalDir: string,
  opts: { known?: Record<string, KnownFile>; replace?: boolean } = {},
): Promise<SourceRecord> {
  const src = path.resolve(srcDir);
  if (!fs.existsSync(src) || !fs.statSync(src).isDirectory()) {
    throw new ModelError(`${src} is not a folder`, 'Pass the folder that holds model.json and its weight files.');
  }
  const { records: files, files: located } = await checkModelFiles(path.join(src, 'model.json'), opts.known);
  if (!opts.replace && fs.existsSync(finalDir)) {
    const state = await checkCacheEntry(finalDir);
    if (state.state === 'ok') {
      throw new ModelError(`the cache already holds an intact copy at ${finalDir}`, 'Pass --force to replace it.');
    }
  }
  const tmp = await makeTempSibling(finalDir);
  try {
    for (const rel of Object.keys(files)) {
      const to = path.join(tmp, ...rel.split('/'));
      await fs.promises.mkdir(path.dirname(to), { recursive: true });
      // Weight files from their checked real paths (inside src), model.json from src itself.
      await fs.promises.copyFile(rel === 'model.json' ? path.join(src, rel) : located.get(rel)!.file, to);
    }
    // Re-check the copies: the copy itself must not be what corrupts them.
    const copied = await verifyModelDir(tmp, opts.known);
    for (const [rel, r] of Object.entries(files)) {
      if (copied[rel].sha256 !== r.sha256) throw new ModelError(`copying ${rel} into the cache changed its content`);
    }
    const record: SourceRecord = { source: src, storedAt: new Date().toISOString(), files };
    await fs.promises.writeFile(path.join(tmp, SOURCE_RECORD), JSON.stringify(record, null, 2) + '\n');
    await moveIntoPlace(tmp, finalDir, true);
    return record;
  } catch (err) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

export { FetchError };
