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
