// Batches of one epoch at chain level: memory rows shuffled here, streams opened with the
// epoch's seeds, pixels pushed through the frozen part's inference plan; and evaluateChain,
// the plain loss and accuracy of a chain over a feed (validation after each epoch).
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf, type Tf } from '../native/load';
import { DataError, UsageError } from '../errors';
import type { Batch } from '../data/types';
import { correctCount, crossEntropyLoss } from './loss';
import { buildInferencePlan, type InferencePlan } from '../models/inference-plan';
import { deriveSeed, shuffledOrder } from '../random';
import type { Feed, PhaseNumber, TrainableChain } from './types';

function rowLength(shape: number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

export function feedSize(feed: Feed): number {
  return feed.kind === 'memory' ? feed.shape[0] : feed.size;
}

export function feedLabels(feed: Feed): ArrayLike<number> {
  return feed.kind === 'memory' ? feed.y : feed.labels;
}

export function checkFeed(feed: Feed, chain: TrainableChain, what: string): void {
  if (feed.kind === 'memory') {
    const n = feed.shape[0];
    if (feed.x.length !== n * rowLength(feed.shape) || feed.y.length !== n) {
      throw new DataError(
        `${what} data is inconsistent: shape [${feed.shape}] needs ${n * rowLength(feed.shape)} values and ${n} labels, got ${feed.x.length} and ${feed.y.length}`,
      );
    }
  }
  const entry =
    feed.kind === 'memory' && feed.stage === 'features' ? (chain.upper ?? chain.head) : (chain.frozen ?? chain.upper ?? chain.head);
  if (feed.kind === 'memory') {
    const want = entry.inputs[0].shape.slice(1);
    const got = feed.shape.slice(1);
    if (want.length !== got.length || want.some((d, i) => d !== null && d !== got[i])) {
      throw new UsageError(
        `${what} rows have shape [${got}] but the model part they feed expects [${want.map((d) => d ?? '?')}]`,
        'Cached activations must come from the same cut layer the chain starts at.',
      );
    }
  }
}

/** One batch at chain level: features ready for `upper`/`head`, labels as tensor and array. */
export interface ReadyBatch {
  features: tfTypes.Tensor;
  labels: tfTypes.Tensor1D;
  n: number;
}

function memoryBatch(tf: Tf, feed: Extract<Feed, { kind: 'memory' }>, order: ArrayLike<number>, start: number, end: number) {
  const len = rowLength(feed.shape);
  const n = end - start;
  const x = new Float32Array(n * len);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const src = order[start + r];
    x.set(feed.x.subarray(src * len, (src + 1) * len), r * len);
    y[r] = feed.y[src];
  }
  return { x: tf.tensor(x, [n, ...feed.shape.slice(1)]), y, n };
}

/** Runs a streamed batch through the frozen part's inference plan (none: features already). */
function throughFrozen(plan: InferencePlan | undefined, x: tfTypes.Tensor): tfTypes.Tensor {
  if (!plan) return x;
  const out = plan.run(x);
  x.dispose();
  return out;
}

/**
 * The epoch's batches at chain level, starting after `skip` batches (for mid-epoch resume).
 * Memory feeds are shuffled here; streams shuffle themselves from the context's seed.
 */
export async function* epochBatches(
  tf: Tf,
  chain: TrainableChain,
  feed: Feed,
  batchSize: number,
  ctx: { phase: PhaseNumber; epoch: number; seed: number; shuffle: boolean },
  skip: number,
): AsyncGenerator<ReadyBatch> {
  // Pixels go through the frozen part as an optimized plan (models/inference-plan.ts), built per
  // epoch (folding takes milliseconds) and freed with it.
  const plan = chain.frozen && (feed.kind !== 'memory' || feed.stage === 'input') ? buildInferencePlan(chain.frozen) : undefined;
  try {
    yield* feedBatches(tf, plan, feed, batchSize, ctx, skip);
  } finally {
    plan?.dispose();
  }
}

async function* feedBatches(
  tf: Tf,
  plan: InferencePlan | undefined,
  feed: Feed,
  batchSize: number,
  ctx: { phase: PhaseNumber; epoch: number; seed: number; shuffle: boolean },
  skip: number,
): AsyncGenerator<ReadyBatch> {
  const shuffleSeed = deriveSeed(ctx.seed, 'shuffle', ctx.phase, ctx.epoch);
  if (feed.kind === 'memory') {
    const n = feed.shape[0];
    const order = ctx.shuffle ? shuffledOrder(n, shuffleSeed) : Int32Array.from({ length: n }, (_, i) => i);
    for (let start = skip * batchSize; start < n; start += batchSize) {
      const b = memoryBatch(tf, feed, order, start, Math.min(n, start + batchSize));
      yield { features: throughFrozen(plan, b.x), labels: tf.tensor1d(b.y, 'int32'), n: b.n };
    }
    return;
  }
  const stream = feed.open({
    phase: ctx.phase,
    epoch: ctx.epoch,
    shuffleSeed,
    augmentSeed: deriveSeed(ctx.seed, 'augment', ctx.phase, ctx.epoch),
    batchSize,
  });
  let index = 0;
  for await (const batch of stream as AsyncIterable<Batch>) {
    if (index++ < skip) continue;
    if (batch.y.length === 0) continue;
    const x = tf.tensor(batch.x, batch.shape);
    yield { features: throughFrozen(plan, x), labels: tf.tensor1d(batch.y, 'int32'), n: batch.y.length };
  }
}

/** Plain cross-entropy (no smoothing, no class weights) and accuracy over a feed, in order. */
export async function evaluateChain(
  chain: TrainableChain,
  feed: Feed,
  batchSize: number,
): Promise<{ loss: number; accuracy: number; count: number }> {
  const tf = loadTf();
  const numClasses = chain.head.outputs[0].shape[chain.head.outputs[0].shape.length - 1] as number;
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for await (const b of epochBatches(tf, chain, feed, batchSize, { phase: 1, epoch: 0, seed: 0, shuffle: false }, 0)) {
    const [lossT, correctT] = tf.tidy(() => {
      const h = chain.upper ? (chain.upper.apply(b.features, { training: false }) as tfTypes.Tensor) : b.features;
      const probs = chain.head.apply(h, { training: false }) as tfTypes.Tensor;
      return [crossEntropyLoss(tf, probs, b.labels, numClasses, { labelSmoothing: 0, classWeights: null }), correctCount(tf, probs, b.labels)];
    });
    lossSum += lossT.dataSync()[0] * b.n;
    correct += correctT.dataSync()[0];
    count += b.n;
    tf.dispose([lossT, correctT, b.features, b.labels]);
  }
  return { loss: count > 0 ? lossSum / count : NaN, accuracy: count > 0 ? correct / count : NaN, count };
}
