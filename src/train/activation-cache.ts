// Activation caches: the frozen part's output for each image, computed once and kept on disk,
// so later epochs and later runs train on features instead of re-running the base.
// Not a general key-value store; one float32 file per (cache key, image content hash).
import * as fs from 'fs';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { cacheArea } from '../cache-dir';
import { DataError, InterruptedError, ModelError, NonFiniteError } from '../errors';
import type { RowBatch } from '../data/types';
import { writeFileAtomic } from './atomic';
import { ensureKeyDir, readEntry, removeDamaged, writeEntry } from './activation-entry';
import { buildInferencePlan, type InferencePlan } from '../models/inference-plan';
import { stopAsked } from './event-loop';
import { activationKeyId, entryPath, modelFingerprint, type ActivationKey } from './activation-key';

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
  const featureShape = featureShapeOf(lower);
  if (opts.fingerprintModel && featureShapeOf(opts.fingerprintModel).join('x') !== featureShape.join('x')) {
    throw new ModelError(`a cache keyed by one model must be filled with its output shape: got [${featureShape}], expected [${featureShapeOf(opts.fingerprintModel)}]`);
  }
  const dir = (opts.useCache ?? true) ? await openKeyDir(lower, key, featureShape, opts) : null;
  const rows = new RowTable(examples, featureShape, (t) => opts.onProgress?.({ done: t.done, total: examples.length, fromCache: t.fromCache }));
  if (dir) readCachedRows(dir, examples, rows, opts.onWarning);

  const seen = new Set<string>();
  const missing = examples.filter((e) => !rows.has(e.hash) && !seen.has(e.hash) && (seen.add(e.hash), true));
  if (missing.length > 0) await computeMissingRows(lower, batchSource(missing), rows, { dir, key, shouldStop: opts.shouldStop });

  const kept = examples.filter((e) => rows.has(e.hash));
  if (kept.length === 0 && examples.length > 0) {
    throw new DataError(`none of the ${examples.length} images could be read`, 'Check the files (see the skipped-file messages).');
  }
  const features = new Float32Array(kept.length * rows.rowLength);
  kept.forEach((e, i) => features.set(rows.get(e.hash)!, i * rows.rowLength));
  return {
    features,
    shape: [kept.length, ...featureShape],
    kept,
    missing: examples.filter((e) => !rows.has(e.hash)),
    fromCache: rows.fromCache,
    computed: kept.length - rows.fromCache,
    dir,
  };
}

/** The cache folder of this key and model (created, with its key.json), repaired if a file sits there. */
async function openKeyDir(lower: tfTypes.LayersModel, key: ActivationKey, featureShape: number[], opts: ActivationOptions): Promise<string> {
  const fingerprint = opts.fingerprintWeights === false ? undefined : modelFingerprint(opts.fingerprintModel ?? lower);
  const area = opts.cacheDir ?? cacheArea('activations');
  const dir = path.join(area, activationKeyId(key, fingerprint));
  if (ensureKeyDir(area, dir).repaired) opts.onWarning?.(`the activation cache had a file where the folder ${dir} belongs; it was replaced`);
  const keyFile = path.join(dir, 'key.json');
  if (!fs.existsSync(keyFile)) await writeFileAtomic(keyFile, JSON.stringify({ ...key, fingerprint, featureShape }, null, 2) + '\n');
  return dir;
}

/**
 * One row per distinct content hash (duplicates share the computation and the file), and how
 * many examples have a row so far: counted as rows arrive, since a recount over every example
 * per batch would cost O(N^2) on a large set.
 */
class RowTable {
  readonly rowLength: number;
  /** examples asked for, duplicates included */
  readonly total: number;
  done = 0;
  fromCache = 0;
  private readonly rows = new Map<string, Float32Array>();
  private readonly examplesOfHash = new Map<string, number>();

  constructor(examples: readonly CacheableExample[], featureShape: number[], private readonly onChange: (t: RowTable) => void) {
    this.rowLength = featureShape.reduce((a, b) => a * b, 1);
    this.total = examples.length;
    for (const e of examples) this.examplesOfHash.set(e.hash, (this.examplesOfHash.get(e.hash) ?? 0) + 1);
  }

  has(hash: string): boolean {
    return this.rows.has(hash);
  }

  get(hash: string): Float32Array | undefined {
    return this.rows.get(hash);
  }

  add(hash: string, row: Float32Array): void {
    if (!this.rows.has(hash)) this.done += this.examplesOfHash.get(hash) ?? 0;
    this.rows.set(hash, row);
  }

  /** Tells the progress callback where things stand. */
  report(): void {
    this.onChange(this);
  }
}

/** Reads every example's entry the cache holds; damaged entries are discarded (and recomputed later). */
function readCachedRows(dir: string, examples: readonly CacheableExample[], rows: RowTable, onWarning?: (message: string) => void): void {
  const damaged: string[] = [];
  for (const e of examples) {
    if (rows.has(e.hash)) continue;
    const file = entryPath(dir, e.hash);
    const entry = readEntry(file, rows.rowLength);
    if (entry.kind === 'ok') rows.add(e.hash, entry.row);
    else if (entry.kind === 'damaged') {
      damaged.push(`${file}: ${entry.reason}`);
      removeDamaged(file, dir);
    }
  }
  if (damaged.length > 0) {
    onWarning?.(
      `${damaged.length} damaged activation cache ${damaged.length === 1 ? 'entry was' : 'entries were'} discarded and will be recomputed (${damaged.slice(0, 3).join('; ')}${damaged.length > 3 ? '; ...' : ''})`,
    );
  }
  rows.fromCache = rows.done;
  rows.report();
}

/**
 * Runs the missing images' batches through `lower` as an inference plan (BN folded, fused ops;
 * freed when the pass ends), adding each row to the table and to the cache folder.
 */
async function computeMissingRows(
  lower: tfTypes.LayersModel,
  source: AsyncIterable<RowBatch>,
  rows: RowTable,
  ctx: { dir: string | null; key: ActivationKey; shouldStop?: () => boolean },
): Promise<void> {
  const tf = loadTf();
  const plan = buildInferencePlan(lower);
  try {
    for await (const batch of source) {
      const n = batch.y.length;
      if (n === 0) continue;
      const data = runPlanOnBatch(tf, plan, batch, featureShapeOf(lower));
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new NonFiniteError(
          `the base output ${data[bad]} at ${ctx.key.cutLayer} for ${batch.ids[Math.floor(bad / rows.rowLength)]}: its activations are not numbers`,
          `The base's weights probably contain NaN or infinite values (\`tl models show <base>\` checks them); use another base, or retrain it.`,
        );
      }
      for (let r = 0; r < n; r++) {
        const row = Float32Array.from(data.subarray(r * rows.rowLength, (r + 1) * rows.rowLength));
        rows.add(batch.hashes[r], row);
        if (ctx.dir) writeEntry(entryPath(ctx.dir, batch.hashes[r]), row, ctx.dir);
      }
      rows.report();
      if (await stopAsked(ctx.shouldStop)) {
        throw new InterruptedError(
          `interrupted while computing activations at ${ctx.key.cutLayer}: ${rows.done} of ${rows.total} done${ctx.dir ? ', and cached' : ''}`,
          ctx.dir ? 'The next run with the same base and data reads those from the cache.' : undefined,
        );
      }
    }
  } finally {
    plan.dispose();
  }
}

/** One batch through the plan, checked against the expected [n, ...featureShape], as plain numbers. */
function runPlanOnBatch(tf: ReturnType<typeof loadTf>, plan: InferencePlan, batch: RowBatch, featureShape: number[]): Float32Array {
  const x = tf.tensor(batch.x, [...batch.shape]);
  const out = plan.run(x);
  x.dispose();
  const expected = [batch.y.length, ...featureShape];
  if (out.shape.length !== expected.length || out.shape.some((d, i) => d !== expected[i])) {
    out.dispose();
    throw new ModelError(`the base produced shape [${out.shape}] for a batch, expected [${expected}]`);
  }
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
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
