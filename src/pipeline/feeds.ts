// Turns data-room examples into train-room feeds: decoded into memory when they fit and nothing
// random touches them, streamed (shuffled, augmented, per epoch) otherwise.
import { batches, Batch, Example, InputSpec, SkippedFile } from '../data';
import type { AugmentConfig } from '../data';
import { InterruptedError } from '../errors';
import { stopAsked } from '../train';
import type { Feed, MemoryFeed, StreamFeed } from '../train';

/** Above this many bytes of decoded input, stream instead of holding the split in memory. */
export const MEMORY_FEED_LIMIT_BYTES = 1 << 30;

export function inputBytes(count: number, input: InputSpec): number {
  return count * input.height * input.width * input.channels * 4;
}

/** What decoding into memory reports and obeys. */
export interface DecodeOptions {
  batchSize: number;
  onSkip?: (s: SkippedFile) => void;
  onProgress?: (done: number, total: number) => void;
  /** Checked after every decoded batch: true ends decoding with an InterruptedError. */
  shouldStop?: () => boolean;
}

/** Decodes examples, in order, into one float32 array [N, H, W, C] (unreadable files dropped). */
export async function decodeToMemory(examples: Example[], input: InputSpec, opts: DecodeOptions): Promise<MemoryFeed & { ids: string[] }> {
  const { batchSize, onSkip, onProgress } = opts;
  const rowLen = input.height * input.width * input.channels;
  const x = new Float32Array(examples.length * rowLen);
  const y: number[] = [];
  const ids: string[] = [];
  let n = 0;
  for await (const b of batches(examples, input, { batchSize, onSkip })) {
    x.set(b.x, n * rowLen);
    for (let i = 0; i < b.y.length; i++) y.push(b.y[i]);
    ids.push(...b.ids);
    n += b.y.length;
    onProgress?.(n, examples.length);
    // Built-in sets decode without real I/O: stopAsked lets a signal handler run first.
    if (await stopAsked(opts.shouldStop)) throw new InterruptedError(`interrupted while decoding images: ${n} of ${examples.length} done`);
  }
  return { kind: 'memory', x: n === examples.length ? x : x.slice(0, n * rowLen), shape: [n, input.height, input.width, input.channels], y, stage: 'input', ids };
}

/** A stream feed: every epoch decodes its own seeded order, augmented when asked. */
export function streamFeed(examples: Example[], input: InputSpec, augment: AugmentConfig | undefined, onSkip?: (s: SkippedFile) => void): StreamFeed {
  return {
    kind: 'stream',
    size: examples.length,
    labels: examples.map((e) => e.label),
    open: (ctx) =>
      batches(examples, input, {
        batchSize: ctx.batchSize,
        shuffleSeed: ctx.shuffleSeed,
        augment: augment ? { ...augment, seed: ctx.augmentSeed } : undefined,
        onSkip,
      }),
  };
}

/** Memory when it fits and nothing random touches the pixels; a stream otherwise. */
export async function inputFeed(
  examples: Example[],
  input: InputSpec,
  opts: DecodeOptions & { augment?: AugmentConfig },
): Promise<Feed> {
  if (!opts.augment && inputBytes(examples.length, input) <= MEMORY_FEED_LIMIT_BYTES) {
    return decodeToMemory(examples, input, opts);
  }
  return streamFeed(examples, input, opts.augment, opts.onSkip);
}

/** Rows already computed for some examples (e.g. activations below a cut), in `kept` order. */
export interface ComputedRows {
  /** [kept.length, H, W, C] row-major. */
  x: Float32Array;
  shape: number[];
  kept: { hash: string; id: string; label: number }[];
}

/**
 * Batches of earlier activations instead of decoded pixels, for the examples asked for (matched
 * by content hash), so a model's top part can run on what its bottom part already produced.
 * Examples without a row (files that could not be read) are left out, as a pixel source would.
 */
export async function* rowBatches(rows: ComputedRows, wanted: { hash: string }[], batchSize: number): AsyncIterable<Batch> {
  if (rows.shape.length !== 4) throw new Error(`rowBatches needs 4-d rows [N, H, W, C], got [${rows.shape}]`);
  const rowLen = rows.shape.slice(1).reduce((a, b) => a * b, 1);
  const indexOf = new Map<string, number>();
  rows.kept.forEach((e, i) => indexOf.set(e.hash, i));
  const present = wanted.map((e) => indexOf.get(e.hash)).filter((i): i is number => i !== undefined);
  for (let start = 0; start < present.length; start += batchSize) {
    const chunk = present.slice(start, start + batchSize);
    const x = new Float32Array(chunk.length * rowLen);
    chunk.forEach((i, j) => x.set(rows.x.subarray(i * rowLen, (i + 1) * rowLen), j * rowLen));
    yield {
      x,
      shape: [chunk.length, rows.shape[1], rows.shape[2], rows.shape[3]],
      y: Int32Array.from(chunk.map((i) => rows.kept[i].label)),
      ids: chunk.map((i) => rows.kept[i].id),
      hashes: chunk.map((i) => rows.kept[i].hash),
    };
  }
}
