// The custom training loop for one phase (not model.fit: fit runs BatchNormalization in
// training mode even in frozen layers). Deterministic from the seed, resumable mid-epoch.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf, type Tf } from '../native/load';
import { DataError, UsageError } from '../errors';
import type { Batch } from '../data/types';
import { resolveClassWeights } from './class-weights';
import { initialEarlyStoppingState, updateEarlyStopping, type EarlyStoppingState } from './early-stopping';
import { correctCount, crossEntropyLoss } from './loss';
import { NonFiniteError } from '../errors';
import { buildInferencePlan, type InferencePlan } from '../models/inference-plan';
import {
  captureOptimizerState,
  makeOptimizer,
  restoreOptimizerState,
  setLearningRate,
  type NamedArray,
} from './optimizer';
import { deriveSeed, shuffledOrder } from './prng';
import { learningRateAt } from './schedule';
import { yieldToEventLoop } from './event-loop';
import type {
  Feed,
  FitConfig,
  HistoryRow,
  PhaseConfig,
  PhaseNumber,
  PhaseProgress,
  PhaseSetup,
  PhaseSummary,
  TrainableChain,
  TrainCheckpoint,
  TrainHooks,
} from './types';
import { restoreWeights, snapshotWeights, type WeightList } from './weights';

export interface PhaseRunOptions {
  fit: FitConfig;
  /** Fingerprint of settings + data; stored in checkpoints, compared on resume. */
  runKey: string;
  hooks?: TrainHooks;
  /** Rows of earlier phases; the phase appends its own to a copy. */
  history?: HistoryRow[];
  completedPhases?: PhaseSummary[];
  /** A checkpoint written during this same phase. */
  resume?: TrainCheckpoint | null;
}

export interface PhaseResult {
  interrupted: boolean;
  summary: PhaseSummary;
  /** All rows so far, earlier phases included. */
  history: HistoryRow[];
}

/** Layer classes whose randomness reads `this.seed` on every call (checked in tfjs-layers 4.22). */
const SEEDABLE = new Set(['Dropout', 'SpatialDropout1D']);
/** Layer classes with randomness in training mode that take no seed. */
const UNSEEDABLE = new Set(['GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

interface SeedableLayer {
  seed?: number;
}

function rowLength(shape: number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

function feedSize(feed: Feed): number {
  return feed.kind === 'memory' ? feed.shape[0] : feed.size;
}

function feedLabels(feed: Feed): ArrayLike<number> {
  return feed.kind === 'memory' ? feed.y : feed.labels;
}

function checkFeed(feed: Feed, chain: TrainableChain, what: string): void {
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
interface ReadyBatch {
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
async function* epochBatches(
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

/** Variables that get gradients: trainable weights of upper, then of head. */
function trainableList(chain: TrainableChain): WeightList {
  return [...(chain.upper?.trainableWeights ?? []), ...chain.head.trainableWeights];
}

/** What checkpoints hold: trainable weights of upper, then every weight of head. */
function checkpointList(chain: TrainableChain): WeightList {
  return [...(chain.upper?.trainableWeights ?? []), ...chain.head.weights];
}

function trainedLayers(chain: TrainableChain): tfTypes.layers.Layer[] {
  return [...(chain.upper?.layers ?? []), ...chain.head.layers];
}

function validateConfigs(phase: PhaseNumber, cfg: PhaseConfig, fit: FitConfig): void {
  if (!(Number.isInteger(fit.batchSize) && fit.batchSize >= 1)) {
    throw new UsageError(`batch size must be a positive integer, got ${fit.batchSize}`, 'Pass e.g. --batch-size 32.');
  }
  if (!(Number.isInteger(cfg.epochs) && cfg.epochs >= 0)) {
    throw new UsageError(`phase ${phase}: epochs must be a whole number >= 0, got ${cfg.epochs}`);
  }
  if (!(fit.labelSmoothing >= 0 && fit.labelSmoothing < 1)) {
    throw new UsageError(`label smoothing must be in [0, 1), got ${fit.labelSmoothing}`, 'Pass e.g. --label-smoothing 0.1.');
  }
}

/**
 * Trains one phase: `cfg.epochs` epochs over `setup.train`, validating on `setup.val` after
 * each, with early stopping and best-weights restore, a checkpoint after every epoch, and
 * `hooks.shouldStop` checked after every batch. Never touches the frozen part's weights or
 * any BatchNormalization moving statistics.
 */
export async function trainPhase(phase: PhaseNumber, setup: PhaseSetup, cfg: PhaseConfig, opts: PhaseRunOptions): Promise<PhaseResult> {
  const tf = loadTf();
  const { fit, hooks = {} } = opts;
  validateConfigs(phase, cfg, fit);
  const { chain, train, val } = setup;
  checkFeed(train, chain, 'training');
  if (val) checkFeed(val, chain, 'validation');
  const n = feedSize(train);
  if (n === 0) throw new DataError('the training split has no examples', 'Add images, or lower --val-split/--test-split.');
  const numClasses = chain.head.outputs[0].shape[chain.head.outputs[0].shape.length - 1] as number;
  const history = (opts.history ?? []).slice();
  const resume = opts.resume ?? null;
  if (resume) {
    if (resume.runKey !== opts.runKey) {
      throw new UsageError(
        'the checkpoint belongs to a run with different settings or data',
        'Resume with exactly the flags and data of the interrupted run, or start a new run.',
      );
    }
    if (resume.progress.phase !== phase) {
      throw new UsageError(`the checkpoint is from phase ${resume.progress.phase}, not phase ${phase}`);
    }
    history.splice(0, history.length, ...resume.history);
  }

  // Batches: the last may be short; a set smaller than one batch still gives one step.
  const stepsPerEpoch = Math.max(1, Math.ceil(n / fit.batchSize));
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const weights = resolveClassWeights(fit.classWeights, feedLabels(train), numClasses);
  const classWeights = fit.classWeights === 'none' ? null : tf.tensor1d(weights, 'float32');
  const vars = trainableList(chain).map((w) => w.read() as tfTypes.Variable);
  if (vars.length === 0) {
    classWeights?.dispose();
    throw new UsageError(`phase ${phase} has nothing to train: no trainable weights in the head or the unfrozen layers`);
  }
  const ckptList = checkpointList(chain);
  const layers = trainedLayers(chain);
  const dropoutLayers = layers.filter((l) => SEEDABLE.has(l.getClassName())) as unknown as SeedableLayer[];
  const originalSeeds = dropoutLayers.map((l) => l.seed);
  const unseededLayers = layers.filter((l) => UNSEEDABLE.has(l.getClassName())).map((l) => l.name);
  const regularized = layers.filter((l) => l.trainable && l.losses.length > 0);
  const optimizer = makeOptimizer(tf, cfg.optimizer);

  let progress: PhaseProgress = {
    phase,
    epochsDone: 0,
    stepInEpoch: 0,
    globalStep: 0,
    partial: null,
    earlyStopping: initialEarlyStoppingState(),
  };
  let bestWeights: NamedArray[] | null = null;
  const started = Date.now();

  const checkpoint = async (): Promise<TrainCheckpoint> => ({
    format: 'tl-train-checkpoint',
    version: 1,
    runKey: opts.runKey,
    progress: JSON.parse(JSON.stringify(progress)) as PhaseProgress,
    history: history.slice(),
    completedPhases: (opts.completedPhases ?? []).slice(),
    weights: snapshotWeights(ckptList),
    bestWeights,
    optimizer: await captureOptimizerState(optimizer, cfg.optimizer.kind),
  });

  try {
    if (resume) {
      restoreWeights(tf, ckptList, resume.weights, 'the checkpoint');
      if (resume.optimizer.kind !== cfg.optimizer.kind) {
        throw new UsageError(`the checkpoint was trained with ${resume.optimizer.kind}, not ${cfg.optimizer.kind}`);
      }
      await restoreOptimizerState(tf, optimizer, resume.optimizer);
      progress = JSON.parse(JSON.stringify(resume.progress)) as PhaseProgress;
      bestWeights = resume.bestWeights;
    }

    let interrupted = false;
    while (progress.epochsDone < cfg.epochs && !progress.earlyStopping.stopped && !interrupted) {
      const epoch = progress.epochsDone + 1;
      const epochStart = Date.now();
      const p = progress.partial ?? { lossSum: 0, correct: 0, seen: 0, seconds: 0, lr: cfg.optimizer.learningRate };
      let step = progress.stepInEpoch;
      const batches = epochBatches(tf, chain, train, fit.batchSize, { phase, epoch, seed: fit.seed, shuffle: true }, step);
      for await (const b of batches) {
        const lr = learningRateAt(progress.globalStep, totalSteps, cfg.optimizer.learningRate, cfg.schedule, stepsPerEpoch);
        setLearningRate(optimizer, lr);
        // Masks differ per batch and per layer but repeat across runs and across resume.
        const stepSeed = deriveSeed(fit.seed, 'dropout', phase, epoch, step);
        dropoutLayers.forEach((l, i) => (l.seed = deriveSeed(stepSeed, i)));
        let correctT: tfTypes.Scalar | null = null;
        const lossT = optimizer.minimize(
          () => {
            // upper runs in inference mode: BN normalises with (and keeps) its moving statistics.
            const h = chain.upper ? (chain.upper.apply(b.features, { training: false }) as tfTypes.Tensor) : b.features;
            const probs = chain.head.apply(h, { training: true }) as tfTypes.Tensor;
            correctT = tf.keep(correctCount(tf, probs, b.labels));
            let loss = crossEntropyLoss(tf, probs, b.labels, numClasses, { labelSmoothing: fit.labelSmoothing, classWeights });
            for (const layer of regularized) for (const r of layer.calculateLosses()) loss = loss.add(r);
            return loss;
          },
          true,
          vars,
        ) as tfTypes.Scalar;
        const lossValue = lossT.dataSync()[0];
        const correct = (correctT as tfTypes.Scalar | null)?.dataSync()[0] ?? 0;
        tf.dispose([lossT, correctT as tfTypes.Scalar | null, b.features, b.labels].filter((t): t is tfTypes.Tensor => t !== null));
        // A NaN loss never recovers: every later update is NaN too. Stop at the first one.
        if (!Number.isFinite(lossValue)) throw new NonFiniteError(`the training loss became ${lossValue} in phase ${phase}, epoch ${epoch}, step ${step + 1}`);
        p.lossSum += lossValue * b.n;
        p.correct += correct;
        p.seen += b.n;
        p.lr = lr;
        step++;
        progress.globalStep++;
        progress.stepInEpoch = step;
        hooks.onBatch?.({
          phase,
          epoch,
          epochs: cfg.epochs,
          step,
          stepsPerEpoch,
          loss: p.lossSum / p.seen,
          accuracy: p.correct / p.seen,
          lr,
        });
        // Lets a signal handler raise the interrupt flag in time (see event-loop.ts).
        await yieldToEventLoop();
        if (hooks.shouldStop?.() && step < stepsPerEpoch) {
          // Mid-epoch: record the running sums so the resumed epoch reports the same figures.
          progress.partial = { ...p, seconds: p.seconds + (Date.now() - epochStart) / 1000 };
          await batches.return(undefined);
          interrupted = true;
          break;
        }
      }
      if (interrupted) {
        await hooks.onCheckpoint?.(await checkpoint());
        break;
      }
      const v = val ? await evaluateChain(chain, val, fit.batchSize) : null;
      const row: HistoryRow = {
        phase,
        epoch,
        loss: p.lossSum / p.seen,
        accuracy: p.correct / p.seen,
        ...(v ? { valLoss: v.loss, valAccuracy: v.accuracy } : {}),
        lr: p.lr,
        seconds: p.seconds + (Date.now() - epochStart) / 1000,
      };
      const monitored = v ? v.loss : row.loss;
      const es = updateEarlyStopping(progress.earlyStopping, monitored, epoch, cfg.earlyStopping);
      if (es.improved && cfg.earlyStopping.restoreBest) bestWeights = snapshotWeights(ckptList);
      progress = { ...progress, epochsDone: epoch, stepInEpoch: 0, partial: null, earlyStopping: es.state };
      history.push(row);
      await hooks.onEpoch?.(row, {
        globalEpoch: history.length,
        epochs: cfg.epochs,
        improved: es.improved,
        bestEpoch: es.state.bestEpoch,
        stoppingEarly: es.state.stopped,
      });
      await hooks.onCheckpoint?.(await checkpoint());
      if (hooks.shouldStop?.() && progress.epochsDone < cfg.epochs && !es.state.stopped) interrupted = true;
    }

    const es: EarlyStoppingState = progress.earlyStopping;
    let restoredBest = false;
    if (!interrupted && cfg.earlyStopping.restoreBest && bestWeights && es.bestEpoch !== progress.epochsDone) {
      restoreWeights(tf, ckptList, bestWeights, 'the best-epoch snapshot');
      restoredBest = true;
    }
    const summary: PhaseSummary = {
      phase,
      epochsPlanned: cfg.epochs,
      epochsRun: progress.epochsDone,
      stoppedEarly: es.stopped,
      bestEpoch: restoredBest ? es.bestEpoch : progress.epochsDone,
      restoredBest,
      steps: progress.globalStep,
      seconds: (Date.now() - started) / 1000,
      unseededLayers,
    };
    return { interrupted, summary, history };
  } finally {
    dropoutLayers.forEach((l, i) => (l.seed = originalSeeds[i]));
    classWeights?.dispose();
    disposeOptimizer(optimizer);
  }
}

/** tfjs's momentum optimizer forgets the learning-rate scalar it inherits from SGD. */
function disposeOptimizer(optimizer: tfTypes.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tfTypes.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}
