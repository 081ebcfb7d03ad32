// Streams examples as decoded, preprocessed batches: bounded decode concurrency, a few batches
// prefetched, nothing else held, so memory stays flat whatever the data set size.
// Each iteration of the returned iterable is one epoch (its own shuffle and augmentation draws).
import * as os from 'os';
import type { Batch, InputSpec } from './types';
import type { Example, SkippedFile } from './dataset-types';
import { AugmentConfig, augmentPixels, sampleAugmentParams } from './augment';
import { DecodeConfig, defaultDecodeConfig } from './decode-config';
import { decodeExample, DecodeFailure } from './decode';
import { preprocessInto } from './preprocess';
import { seededRandom, shuffled } from '../random';

export interface BatchOptions {
  batchSize: number;
  /** when set, each epoch visits the examples in its own seeded order; otherwise in the given order */
  shuffleSeed?: number;
  /** augmentation for training batches; the seed makes every epoch's draws reproducible */
  augment?: AugmentConfig & { seed: number };
  /** images decoded at once; default max(2, cores) */
  concurrency?: number;
  /** batches prepared ahead of the consumer; default 2 */
  prefetch?: number;
  /** called once per file that cannot be decoded; the file is left out of later epochs too */
  onSkip?: (s: SkippedFile) => void;
  /** number of the first epoch (default 0), e.g. to resume: epoch k always gets the same order */
  epoch?: number;
  decode?: DecodeConfig;
}

/**
 * Batches of `examples` shaped for `input`. Iterating the result again starts the next epoch
 * (epoch, epoch+1, ...): shuffle order and augmentation depend on (seed, epoch, example id) only,
 * never on timing, so runs are reproducible. A batch can be smaller than batchSize at the end of
 * an epoch or when files fail to decode; a batch with no usable image is not yielded.
 */
export function batches(examples: Example[], input: InputSpec, opts: BatchOptions): AsyncIterable<Batch> {
  if (!(Number.isInteger(opts.batchSize) && opts.batchSize > 0)) throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? Math.max(2, os.availableParallelism?.() ?? os.cpus().length)));
  const prefetch = Math.max(0, Math.floor(opts.prefetch ?? 2));
  const decodeCfg = opts.decode ?? defaultDecodeConfig();
  const failed = new Set<string>();
  let nextEpoch = opts.epoch ?? 0;
  return {
    [Symbol.asyncIterator]: () => runEpoch(nextEpoch++)[Symbol.asyncIterator](),
  };

  async function* runEpoch(epoch: number): AsyncGenerator<Batch> {
    const live = examples.filter((e) => !failed.has(e.id));
    const order = opts.shuffleSeed === undefined ? live : shuffled(live, seededRandom('shuffle', opts.shuffleSeed, epoch));
    const limiter = new Limiter(concurrency);
    const pending: Promise<Batch | undefined>[] = [];
    let next = 0;
    const startNext = () => {
      const slice = order.slice(next, next + opts.batchSize);
      next += slice.length;
      pending.push(buildBatch(slice, epoch, limiter));
    };
    while (next < order.length && pending.length < prefetch + 1) startNext();
    while (pending.length > 0) {
      const batch = await pending.shift()!;
      if (next < order.length) startNext();
      if (batch) yield batch;
    }
  }

  async function buildBatch(slice: Example[], epoch: number, limiter: Limiter): Promise<Batch | undefined> {
    const { height, width, channels } = input;
    const per = height * width * channels;
    const x = new Float32Array(slice.length * per);
    const ok: boolean[] = new Array(slice.length).fill(false);
    await Promise.all(
      slice.map((ex, i) =>
        limiter.run(async () => {
          let pixels: Uint8Array;
          try {
            pixels = await decodeExample(ex, input, decodeCfg);
          } catch (err) {
            if (!failed.has(ex.id)) {
              failed.add(ex.id);
              const reason = err instanceof DecodeFailure ? err.message : `cannot be decoded (${(err as Error).message})`;
              opts.onSkip?.({ id: ex.id, reason });
            }
            return;
          }
          if (opts.augment) {
            const rand = seededRandom('augment', opts.augment.seed, epoch, ex.id);
            pixels = augmentPixels(pixels, height, width, channels, sampleAugmentParams(opts.augment, rand));
          }
          preprocessInto(pixels, channels, input.preprocessing, x, i * per);
          ok[i] = true;
        }),
      ),
    );
    const kept = ok.reduce((n, v) => n + (v ? 1 : 0), 0);
    if (kept === 0) return undefined;
    const y = new Int32Array(kept);
    const ids: string[] = [];
    const hashes: string[] = [];
    let xOut = x;
    if (kept < slice.length) {
      // Close the gaps left by failed files so rows stay contiguous.
      xOut = new Float32Array(kept * per);
      let row = 0;
      for (let i = 0; i < slice.length; i++) if (ok[i]) xOut.set(x.subarray(i * per, (i + 1) * per), per * row++);
    }
    let row = 0;
    for (let i = 0; i < slice.length; i++) {
      if (!ok[i]) continue;
      y[row++] = slice[i].label;
      ids.push(slice[i].id);
      hashes.push(slice[i].hash);
    }
    return { x: xOut, shape: [kept, height, width, channels], y, ids, hashes };
  }
}

/** Runs at most `max` async tasks at once, in the order they were submitted. */
class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}
