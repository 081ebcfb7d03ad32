// Activation caches: the frozen part's output for each image, computed once and kept on disk,
// so later epochs and later runs train on features instead of re-running the base.
// Not a general key-value store; one float32 file per (cache key, image content hash).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { cacheArea } from '../cache-dir';
import { DataError, InterruptedError, ModelError, NonFiniteError } from '../errors';
import type { InputSpec, RowBatch } from '../data/types';
import { writeFileAtomic } from './atomic';
import { ensureKeyDir, readEntry, removeDamaged, writeEntry } from './activation-entry';
import { buildInferencePlan } from '../models/inference-plan';
import { stopAsked } from './event-loop';

/** What makes two activations interchangeable besides the image content. */
export interface ActivationKey {
  /** The caller's identity of the base, e.g. "zoo:mobilenet-v2-nsfwjs@1" or a run dir's model hash. */
  base: string;
  /** The layer whose output is cached (the cut point). */
  cutLayer: string;
  /** Input size, channels, resize mode and preprocessing: all change the pixels fed to the base. */
  input: InputSpec;
  /** Anything else that changes decoded pixels, e.g. the decoder's version. */
  extra?: string;
}

/**
 * The one rule for the identity of a base in activation-cache keys: `${source}|${name}` of the
 * resolved base (its weights are fingerprinted separately). transfer writes with it and
 * evaluate reads with it; if they disagreed, evaluate would silently stop finding the cache.
 */
export function baseCacheIdentity(info: { source: string; name: string }): string {
  return `${info.source}|${info.name}`;
}

/** The minimum an example needs for caching (the data room's Example fits). */
export interface CacheableExample {
  id: string;
  /** Hex content hash of the image file / built-in record. */
  hash: string;
}

export interface ActivationOptions {
  /** Root of the cache; default cacheArea('activations'). */
  cacheDir?: string;
  /** false: compute everything and touch no files. Default true. */
  useCache?: boolean;
  /** Fold the lower model's weights into the key (default true), so a retrained base never hits a stale entry. */
  fingerprintWeights?: boolean;
  /**
   * The model whose fingerprint keys the cache, when `lower` is only its top part fed with the
   * activations of its bottom part (one pass computing two cut points): the entries must be
   * the ones a pass from pixels through the whole model would read and write. Default `lower`.
   */
  fingerprintModel?: tfTypes.LayersModel;
  onProgress?: (e: { done: number; total: number; fromCache: number }) => void;
  /**
   * Checked after every computed batch: true ends the pass with an InterruptedError. Rows
   * computed so far are already in the cache, so the next run starts where this one stopped.
   */
  shouldStop?: () => boolean;
  /** Told about damaged entries (discarded and recomputed) and repaired cache folders. */
  onWarning?: (message: string) => void;
}

export interface ActivationResult<E extends CacheableExample> {
  /** Row i is the activation of kept[i]; [kept.length, ...shape.slice(1)] row-major. */
  features: Float32Array;
  /** [kept.length, ...feature shape]. */
  shape: number[];
  /** Examples in input order, minus those the batch source never delivered. */
  kept: E[];
  /** Examples the batch source skipped (unreadable files). */
  missing: E[];
  /** Examples whose row came from disk / had to be computed (duplicates count each time). */
  fromCache: number;
  computed: number;
  /** The key's directory (for messages and tests); null when useCache is false. */
  dir: string | null;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A layer's config without what does not change its output (names are numbered per process). */
function outputRelevantConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(outputRelevantConfig);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k !== 'name' && k !== 'trainable') out[k] = outputRelevantConfig(v);
    }
    return out;
  }
  return value;
}

/**
 * sha256 over the model's layers (class and config, minus names and trainable flags) and
 * weight values: it changes whenever the model's output could, and not when tfjs renames.
 */
export function modelFingerprint(model: tfTypes.LayersModel): string {
  const h = crypto.createHash('sha256');
  for (const layer of model.layers) {
    h.update(`${layer.getClassName()}:${stableJson(outputRelevantConfig(layer.getConfig()))};`);
  }
  for (const w of model.weights) {
    const t = w.read();
    h.update(`${t.shape.join('x')}:`);
    const d = t.dataSync();
    h.update(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

/** The directory name for a key: a hash of its canonical JSON (plus the weights fingerprint). */
export function activationKeyId(key: ActivationKey, fingerprint?: string): string {
  const canonical = stableJson({ v: 1, base: key.base, cutLayer: key.cutLayer, input: key.input, extra: key.extra ?? '', fingerprint: fingerprint ?? '' });
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

function entryPath(dir: string, hash: string): string {
  // Content hashes are hex from the data room; anything else is re-hashed into a safe name.
  const name = /^[0-9a-f]{16,128}$/i.test(hash) ? hash.toLowerCase() : crypto.createHash('sha256').update(hash).digest('hex');
  return path.join(dir, name.slice(0, 2), `${name}.f32`);
}

function featureShapeOf(lower: tfTypes.LayersModel): number[] {
  const shape = lower.outputs[0].shape.slice(1);
  if (shape.some((d) => d === null)) {
    throw new ModelError(
      `the output of '${lower.outputs[0].name}' has an unknown size [${shape.map((d) => d ?? '?')}]`,
      'Give the base a fixed input size so its activations can be cached.',
    );
  }
  return shape as number[];
}

/**
 * Features of `lower` (run in inference mode) for every example, reading what the cache has
 * and computing the rest from `batchSource(missingExamples)` in batches. Each computed row is
 * written as its own file via temp + rename, so concurrent runs and crashes never leave a
 * torn entry (a file of the wrong size is treated as absent and recomputed).
 */
export async function computeActivations<E extends CacheableExample>(
  lower: tfTypes.LayersModel,
  examples: E[],
  batchSource: (missing: E[]) => AsyncIterable<RowBatch>,
  key: ActivationKey,
  opts: ActivationOptions = {},
): Promise<ActivationResult<E>> {
  const tf = loadTf();
  const useCache = opts.useCache ?? true;
  const featureShape = featureShapeOf(lower);
  if (opts.fingerprintModel && featureShapeOf(opts.fingerprintModel).join('x') !== featureShape.join('x')) {
    throw new ModelError(`a cache keyed by one model must be filled with its output shape: got [${featureShape}], expected [${featureShapeOf(opts.fingerprintModel)}]`);
  }
  const rowLen = featureShape.reduce((a, b) => a * b, 1);
  let dir: string | null = null;
  if (useCache) {
    const fingerprint = opts.fingerprintWeights === false ? undefined : modelFingerprint(opts.fingerprintModel ?? lower);
    const area = opts.cacheDir ?? cacheArea('activations');
    dir = path.join(area, activationKeyId(key, fingerprint));
    if (ensureKeyDir(area, dir).repaired) opts.onWarning?.(`the activation cache had a file where the folder ${dir} belongs; it was replaced`);
    const keyFile = path.join(dir, 'key.json');
    if (!fs.existsSync(keyFile)) {
      await writeFileAtomic(keyFile, JSON.stringify({ ...key, fingerprint, featureShape }, null, 2) + '\n');
    }
  }

  // One row per distinct content hash: duplicates share the computation and the file.
  const rows = new Map<string, Float32Array>();
  // Examples per hash, so the count of examples with a row is kept as rows arrive (a recount
  // over every example per batch would cost O(N^2) on a large set).
  const examplesOfHash = new Map<string, number>();
  for (const e of examples) examplesOfHash.set(e.hash, (examplesOfHash.get(e.hash) ?? 0) + 1);
  let done = 0;
  const addRow = (hash: string, row: Float32Array) => {
    if (!rows.has(hash)) done += examplesOfHash.get(hash) ?? 0;
    rows.set(hash, row);
  };
  let fromCache = 0;
  const total = examples.length;
  const report = () => opts.onProgress?.({ done, total, fromCache });
  if (dir) {
    const damaged: string[] = [];
    for (const e of examples) {
      if (rows.has(e.hash)) continue;
      const file = entryPath(dir, e.hash);
      const entry = readEntry(file, rowLen);
      if (entry.kind === 'ok') addRow(e.hash, entry.row);
      else if (entry.kind === 'damaged') {
        // Discarded now, recomputed below and written afresh.
        damaged.push(`${file}: ${entry.reason}`);
        removeDamaged(file, dir);
      }
    }
    if (damaged.length > 0) {
      opts.onWarning?.(
        `${damaged.length} damaged activation cache ${damaged.length === 1 ? 'entry was' : 'entries were'} discarded and will be recomputed (${damaged.slice(0, 3).join('; ')}${damaged.length > 3 ? '; ...' : ''})`,
      );
    }
    fromCache = done;
    report();
  }

  const seen = new Set<string>();
  const missing = examples.filter((e) => !rows.has(e.hash) && !seen.has(e.hash) && (seen.add(e.hash), true));
  // The frozen part runs as an optimized plan (BN folded, fused ops); freed when the pass ends.
  const plan = missing.length > 0 ? buildInferencePlan(lower) : undefined;
  try {
    if (missing.length > 0 && plan) {
      for await (const batch of batchSource(missing)) {
        const n = batch.y.length;
        if (n === 0) continue;
        const x = tf.tensor(batch.x, [...batch.shape]);
        const out = plan.run(x);
        x.dispose();
        const expected = [n, ...featureShape];
        if (out.shape.length !== expected.length || out.shape.some((d, i) => d !== expected[i])) {
          out.dispose();
          throw new ModelError(`the base produced shape [${out.shape}] for a batch, expected [${expected}]`);
        }
        const data = out.dataSync() as Float32Array;
        out.dispose();
        const bad = data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          throw new NonFiniteError(
            `the base output ${data[bad]} at ${key.cutLayer} for ${batch.ids[Math.floor(bad / rowLen)]}: its activations are not numbers`,
            `The base's weights probably contain NaN or infinite values (\`tl models show <base>\` checks them); use another base, or retrain it.`,
          );
        }
        for (let r = 0; r < n; r++) {
          const row = Float32Array.from(data.subarray(r * rowLen, (r + 1) * rowLen));
          addRow(batch.hashes[r], row);
          if (dir) writeEntry(entryPath(dir, batch.hashes[r]), row, dir);
        }
        report();
        if (await stopAsked(opts.shouldStop)) {
          throw new InterruptedError(
            `interrupted while computing activations at ${key.cutLayer}: ${done} of ${total} done${dir ? ', and cached' : ''}`,
            dir ? 'The next run with the same base and data reads those from the cache.' : undefined,
          );
        }
      }
    }

  } finally {
    plan?.dispose();
  }

  const kept = examples.filter((e) => rows.has(e.hash));
  const lost = examples.filter((e) => !rows.has(e.hash));
  if (kept.length === 0 && examples.length > 0) {
    throw new DataError(`none of the ${examples.length} images could be read`, 'Check the files (see the skipped-file messages).');
  }
  const features = new Float32Array(kept.length * rowLen);
  kept.forEach((e, i) => features.set(rows.get(e.hash)!, i * rowLen));
  return {
    features,
    shape: [kept.length, ...featureShape],
    kept,
    missing: lost,
    fromCache,
    computed: kept.length - fromCache,
    dir,
  };
}

/**
 * The rows of a computeActivations result as batches, in `kept` order, or only those of `wanted`
 * (matched by content hash, in `wanted` order; examples without a row are left out, as a pixel
 * source leaves out unreadable files). Each batch's x is a view or copy of `result.features`.
 */
export async function* activationBatches(
  result: Pick<ActivationResult<CacheableExample & { label: number }>, 'features' | 'shape' | 'kept'>,
  batchSize: number,
  wanted?: readonly { hash: string }[],
): AsyncIterable<RowBatch> {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const rowShape = result.shape.slice(1);
  const rowLen = rowShape.reduce((a, b) => a * b, 1);
  let order: number[];
  if (wanted) {
    const indexOf = new Map<string, number>();
    result.kept.forEach((e, i) => indexOf.set(e.hash, i));
    order = wanted.map((e) => indexOf.get(e.hash)).filter((i): i is number => i !== undefined);
  } else {
    order = result.kept.map((_, i) => i);
  }
  for (let start = 0; start < order.length; start += batchSize) {
    const chunk = order.slice(start, start + batchSize);
    // Consecutive rows are a view (no copy); a selection is gathered into a new array.
    const contiguous = chunk.every((r, j) => r === chunk[0] + j);
    const x = contiguous
      ? result.features.subarray(chunk[0] * rowLen, (chunk[0] + chunk.length) * rowLen)
      : new Float32Array(chunk.length * rowLen);
    if (!contiguous) chunk.forEach((r, j) => x.set(result.features.subarray(r * rowLen, (r + 1) * rowLen), j * rowLen));
    yield {
      x,
      shape: [chunk.length, ...rowShape],
      y: Int32Array.from(chunk.map((r) => result.kept[r].label)),
      ids: chunk.map((r) => result.kept[r].id),
      hashes: chunk.map((r) => result.kept[r].hash),
    };
  }
}
