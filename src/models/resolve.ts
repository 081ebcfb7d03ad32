// Resolving a --base reference (zoo name, run directory, model.json path, http(s) URL) to a
// loaded model and what it expects; downloading into and importing into the model cache.
// Errors say what was tried, where the cache is and how to get the model another way.
import * as fs from 'fs';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { cacheArea } from '../cache-dir';
import type { InputSpec } from '../data/types';
import { ModelError, UsageError } from '../errors';
import {
  checkCacheEntry,
  downloadModelToCache,
  importModelToCache,
  urlCachePath,
  zooCachePath,
  type ProgressEvent,
  type SourceRecord,
} from './cache';
import { FetchError } from './http';
import { listNames, nearestNames } from './nearby';
import { loadNsfwjsModel } from './offline-base';
import { loadModelJsonFile } from './load';
import { locateRun, readTlJson } from './run-directory';
import type { BaseInfo } from './types';
import { findZooModel, isAlias, loadZoo, offlineBaseNames, zooModelUrl, type KnownFile, type Zoo, type ZooModel } from './zoo';

export interface ResolveOptions {
  /** Model cache folder; default `cacheArea('models')` ($TL_CACHE_DIR/models, ...). */
  cacheDir?: string;
  onProgress?: (e: ProgressEvent) => void;
  /** Download base URL for zoo models; default $TL_MODEL_BASE_URL, else the registry's. */
  baseUrl?: string;
  /** Registry to use instead of models/zoo.json (tests). */
  zoo?: Zoo;
  env?: NodeJS.ProcessEnv;
  /** Connect timeout for downloads (ms). */
  connectTimeoutMs?: number;
}

function isUrl(ref: string): boolean {
  return /^https?:\/\//i.test(ref);
}

/** Refuses a model URL that does not parse: a mistyped argument, not a failed download. */
function checkUrl(ref: string): void {
  if (URL.canParse(ref)) return;
  throw new UsageError(`'${ref}' is not a valid URL`,
    'Write a model URL as http(s)://host[:port]/path/model.json; an IPv6 host goes in brackets (http://[::1]:8080/model.json).');
}

function zooInfo(m: ZooModel, source: string): BaseInfo {
  return { name: m.name, source, input: m.input, featureLayer: m.featureLayer, description: m.description, license: m.license, ...(m.trainedOn ? { trainedOn: m.trainedOn } : {}) };
}

/**
 * The layer a model with no tl metadata is cut at by default: the input of its first global
 * pooling layer, else its last spatial layer larger than 1x1, else the input of its last dense layer.
 */
export function guessFeatureLayer(model: tfTypes.LayersModel): string {
  const layers = model.layers;
  const pool = layers.findIndex((l) => /^Global(Average|Max)Pooling2D$/.test(l.getClassName()));
  if (pool > 0) return layers[pool - 1].name;
  const outShape = (l: tfTypes.layers.Layer) => {
    try {
      return l.outputShape as (number | null)[];
    } catch {
      return [];
    }
  };
  for (let i = layers.length - 1; i > 0; i--) {
    const s = outShape(layers[i]);
    if (s.length === 4 && ((s[1] ?? 2) > 1 || (s[2] ?? 2) > 1)) return layers[i].name;
  }
  const lastDense = layers.map((l) => l.getClassName()).lastIndexOf('Dense');
  if (lastDense > 0) return layers[lastDense - 1].name;
  return layers[layers.length - 1].name;
}

/** Input spec read from a model's input shape, for models without tl metadata (pixels assumed x/255). */
export function inferInput(model: tfTypes.LayersModel, where: string): InputSpec {
  const shape = model.inputs[0]?.shape ?? [];
  const [, h, w, c] = shape;
  if (shape.length !== 4 || (c !== 1 && c !== 3)) {
    throw new ModelError(`${where} takes input of shape [${shape.join(', ')}]; tl needs an image input [N, height, width, 1 or 3]`);
  }
  return { height: h ?? 224, width: w ?? 224, channels: c, preprocessing: { kind: 'scale01' }, resize: 'cover' };
}

const GUESS_NOTE = 'no tl metadata: input size from the model, pixels assumed scaled to 0..1 (x/255), feature layer guessed';

function offlineHint(zoo: Zoo): string {
  const offline = offlineBaseNames(zoo);
  return offline.length ? `or use a base that works offline: ${listNames(offline.map((n) => `--base ${n}`))}.` : '';
}

function downloadFailure(err: unknown, what: string, url: string, cachePath: string, pullName: string, zoo: Zoo, cached: 'absent' | 'damaged'): ModelError {
  const reason = err instanceof FetchError ? err.message : (err as Error).message;
  const why = err instanceof FetchError ? `cannot download ${what} from ${url} (${reason})` : `the download of ${what} from ${url} failed verification and was not kept (${reason})`;
  const state = cached === 'absent' ? `it is not in the cache at ${cachePath}` : `the cached copy at ${cachePath} is damaged`;
  return new ModelError(`${why}, and ${state}`, [
    `Fetch it once where the network is reachable: tl models pull ${pullName}`,
    `or copy a downloaded model folder (model.json + weight files) and run: tl models import ${pullName} <dir>`,
    offlineHint(zoo),
  ].filter(Boolean).join('\n'));
}

/**
 * Makes sure a downloadable model is in the cache (downloading it if absent or damaged) and
 * returns its folder. `force` downloads again even when an intact copy exists.
 */
async function ensureCached(
  what: string,
  url: string,
  dir: string,
  pullName: string,
  known: Record<string, KnownFile> | undefined,
  zoo: Zoo,
  opts: ResolveOptions & { force?: boolean },
): Promise<{ dir: string; downloaded: boolean; record: SourceRecord }> {
  const state = await checkCacheEntry(dir, known);
  if (state.state === 'ok' && !opts.force) return { dir, downloaded: false, record: state.record };
  try {
    const record = await downloadModelToCache(url, dir, {
      known,
      onProgress: opts.onProgress,
      replace: true,
      env: opts.env,
      connectTimeoutMs: opts.connectTimeoutMs,
    });
    return { dir, downloaded: true, record };
  } catch (err) {
    if (!(err instanceof FetchError) && !(err instanceof ModelError)) throw err;
    if (state.state === 'ok') {
      // --force with no network: the intact copy stays; say so.
      throw new ModelError(`cannot download ${what} again from ${url} (${err.message}); the intact cached copy at ${dir} was kept`);
    }
    throw downloadFailure(err, what, url, dir, pullName, zoo, state.state === 'absent' ? 'absent' : 'damaged');
  }
}

/**
 * Loads a base: a zoo name (downloaded once into the cache, or shipped offline), a tl run
 * directory, a model.json path, or an http(s) URL of a model.json (cached like the zoo).
 */
export async function resolveBase(ref: string, opts: ResolveOptions = {}): Promise<{ model: tfTypes.LayersModel; info: BaseInfo }> {
  const zoo = opts.zoo ?? loadZoo();
  const cacheDir = opts.cacheDir ?? cacheArea('models', opts.env);
  const env = opts.env ?? process.env;

  const entry = findZooModel(zoo, ref);
  if (entry) {
    if (entry.source.kind === 'nsfwjs') {
      opts.onProgress?.({ stage: 'load', done: 0, total: 1 });
      const model = await loadNsfwjsModel(entry.source.module);
      opts.onProgress?.({ stage: 'load', done: 1, total: 1 });
      return { model, info: zooInfo(entry, ref) };
    }
    const url = zooModelUrl(zoo, entry, opts.baseUrl, env);
    const dir = zooCachePath(cacheDir, entry.name);
    const what = entry.name === ref ? `base '${ref}'` : `base '${ref}' (${entry.name})`;
    await ensureCached(what, url, dir, entry.name, entry.source.files, zoo, opts);
    const model = await loadModelJsonFile(path.join(dir, 'model.json'));
    return { model, info: zooInfo(entry, ref) };
  }

  if (isUrl(ref)) {
    checkUrl(ref);
    const dir = urlCachePath(cacheDir, ref);
    await ensureCached(`the model`, ref, dir, ref, undefined, zoo, opts);
    const model = await loadModelJsonFile(path.join(dir, 'model.json'));
    const input = inferInput(model, ref);
    return { model, info: { name: ref, source: ref, input, featureLayer: guessFeatureLayer(model), description: `model downloaded from ${ref} (${GUESS_NOTE})` } };
  }

  if (fs.existsSync(ref)) {
    const { dir, modelJson } = locateRun(ref);
    const tl = readTlJson(dir);
    const model = await loadModelJsonFile(modelJson);
    if (tl) {
      const description = `tl ${tl.kind} run in ${dir}${tl.base ? ` (from base ${tl.base})` : ''}`;
      return { model, info: { name: path.basename(dir), source: dir, input: tl.input, featureLayer: tl.featureLayer, description } };
    }
    return {
      model,
      info: { name: path.basename(dir), source: modelJson, input: inferInput(model, modelJson), featureLayer: guessFeatureLayer(model), description: `tfjs model at ${modelJson} (${GUESS_NOTE})` },
    };
  }

  const near = nearestNames(ref, zoo.models.map((m) => m.name));
  throw new ModelError(
    `unknown base '${ref}': not a zoo model, an existing path or an http(s) URL${near.length ? `; nearest zoo names: ${listNames(near)}` : ''}`,
    'Run `tl models list` to see the zoo; a base can also be a tl run directory, a model.json path or an http(s)://.../model.json URL.',
  );
}

/** A zoo model (or URL) the cache can hold; refuses offline bases with a clear message. */
function downloadable(zoo: Zoo, ref: string): ZooModel | undefined {
  const entry = findZooModel(zoo, ref);
  if (!entry) {
    if (isUrl(ref)) return void checkUrl(ref);
    const near = nearestNames(ref, zoo.models.filter((m) => isAlias(m) || (m as ZooModel).source.kind === 'url').map((m) => m.name));
    throw new UsageError(`'${ref}' is not a downloadable zoo model${near.length ? `; nearest: ${listNames(near)}` : ''}`, 'Run `tl models list` to see the zoo.');
  }
  if (entry.source.kind !== 'url') {
    throw new UsageError(`'${ref}' ships inside the ${entry.source.package} npm package and works offline: there is nothing to download or import`);
  }
  return entry;
}

export interface PullResult {
  name: string;
  url: string;
  cachePath: string;
  downloaded: boolean;
  bytes: number;
}

/** Downloads a zoo model (or model.json URL) into the cache unless an intact copy is there (`force` re-downloads). */
export async function pullModel(ref: string, opts: ResolveOptions & { force?: boolean } = {}): Promise<PullResult> {
  const zoo = opts.zoo ?? loadZoo();
  const cacheDir = opts.cacheDir ?? cacheArea('models', opts.env);
  const entry = downloadable(zoo, ref);
  const url = entry ? zooModelUrl(zoo, entry, opts.baseUrl, opts.env ?? process.env) : ref;
  const dir = entry ? zooCachePath(cacheDir, entry.name) : urlCachePath(cacheDir, ref);
  const r = await ensureCached(entry ? `'${entry.name}'` : 'the model', url, dir, entry?.name ?? ref, entry?.source.kind === 'url' ? entry.source.files : undefined, zoo, opts);
  const bytes = Object.values(r.record.files).reduce((a, f) => a + f.bytes, 0);
  return { name: entry?.name ?? ref, url, cachePath: dir, downloaded: r.downloaded, bytes };
}

/** Seeds the cache with a model folder carried in by hand (air-gapped machines). */
export async function importModel(ref: string, srcDir: string, opts: { cacheDir?: string; zoo?: Zoo; force?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<{ name: string; cachePath: string; bytes: number }> {
  const zoo = opts.zoo ?? loadZoo();
  const cacheDir = opts.cacheDir ?? cacheArea('models', opts.env);
  const entry = downloadable(zoo, ref);
  const dir = entry ? zooCachePath(cacheDir, entry.name) : urlCachePath(cacheDir, ref);
  const known = entry?.source.kind === 'url' ? entry.source.files : undefined;
  const record = await importModelToCache(srcDir, dir, { known, replace: opts.force });
  // Prove the copy loads before anyone relies on it; remove it if it does not.
  try {
    (await loadModelJsonFile(path.join(dir, 'model.json'))).dispose();
  } catch (err) {
    await fs.promises.rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { name: entry?.name ?? ref, cachePath: dir, bytes: Object.values(record.files).reduce((a, f) => a + f.bytes, 0) };
}

export interface ZooListing {
  name: string;
  aliasOf?: string;
  input: InputSpec;
  featureLayer: string;
  license: string;
  description: string;
  /** 'offline' (ships in a package), 'cached', 'damaged' or 'not cached'. */
  status: 'offline' | 'cached' | 'damaged' | 'not cached';
  cachePath?: string;
  url?: string;
  why?: string;
}

/** Every zoo entry with whether it can be used right now. */
export async function listZoo(opts: { cacheDir?: string; zoo?: Zoo; baseUrl?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ZooListing[]> {
  const zoo = opts.zoo ?? loadZoo();
  const cacheDir = opts.cacheDir ?? cacheArea('models', opts.env);
  const out: ZooListing[] = [];
  for (const e of zoo.models) {
    const m = findZooModel(zoo, e.name)!;
    const base = { name: e.name, input: m.input, featureLayer: m.featureLayer, license: m.license, description: m.description };
    const alias = isAlias(e) ? { aliasOf: e.aliasOf, why: e.why } : {};
    if (m.source.kind !== 'url') {
      out.push({ ...base, ...alias, status: 'offline' });
      continue;
    }
    const dir = zooCachePath(cacheDir, m.name);
    // Sizes only: listing should not hash every cached shard.
    const state = await checkCacheEntry(dir, m.source.files, { hashes: false });
    const status = state.state === 'ok' ? 'cached' : state.state === 'damaged' ? 'damaged' : 'not cached';
    out.push({ ...base, ...alias, status, cachePath: dir, url: zooModelUrl(zoo, m, opts.baseUrl, opts.env ?? process.env) });
  }
  return out;
}
