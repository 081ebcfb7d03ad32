// The custom training loop for one phase (not model.fit: fit runs BatchNormalization in
// training mode even in frozen layers). Deterministic from the seed, resumable mid-epoch.
// trainPhase reads as the loop it is; its steps (prepare, batch step, end of epoch, finish)
// are the named functions below it.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf, type Tf } from '../native/load';
import { DataError, NonFiniteError, UsageError } from '../errors';
import { resolveClassWeights } from './class-weights';
import { initialEarlyStoppingState, updateEarlyStopping } from './early-stopping';
import { correctCount, crossEntropyLoss } from './loss';
import { captureOptimizerState, disposeOptimizer, makeOptimizer, restoreOptimizerState, setLearningRate, type NamedArray } from './optimizer';
import { validatePhaseSettings } from './config';
import { checkResumable } from './checkpoint';
import { deriveSeed } from '../random';
import { learningRateAt } from './schedule';
import { yieldToEventLoop } from './event-loop';
import { checkFeed, epochBatches, evaluateChain, feedLabels, feedSize, type ReadyBatch } from './epoch-batches';
import type {
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

/**
 * Trains one phase: `cfg.epochs` epochs over `setup.train`, validating on `setup.val` after
 * each, with early stopping and best-weights restore, a checkpoint after every epoch, and
 * `hooks.shouldStop` checked after every batch. Never touches the frozen part's weights or
 * any BatchNormalization moving statistics.
 */
export async function trainPhase(phase: PhaseNumber, setup: PhaseSetup, cfg: PhaseConfig, opts: PhaseRunOptions): Promise<PhaseResult> {
  const run = preparePhase(phase, setup, cfg, opts);
  const { hooks } = run;
  try {
    if (opts.resume) await restoreFrom(run, opts.resume);
    let interrupted = false;
    // run.progress is replaced at each epoch's end (and on resume): read it through run.
    while (run.progress.epochsDone < cfg.epochs && !run.progress.earlyStopping.stopped && !interrupted) {
      const progress = run.progress;
      const epoch = progress.epochsDone + 1;
      const epochStart = Date.now();
      const sums = progress.partial ?? { lossSum: 0, correct: 0, seen: 0, seconds: 0, lr: cfg.optimizer.learningRate };
      const batches = epochBatches(run.tf, run.chain, setup.train, run.fit.batchSize, { phase, epoch, seed: run.fit.seed, shuffle: true }, progress.stepInEpoch);
      for await (const b of batches) {
        const step = progress.stepInEpoch;
        const { loss, correct, lr } = batchStep(run, b, epoch, step);
        sums.lossSum += loss * b.n;
        sums.correct += correct;
        sums.seen += b.n;
        sums.lr = lr;
        progress.globalStep++;
        progress.stepInEpoch = step + 1;
        hooks.onBatch?.({ phase, epoch, epochs: cfg.epochs, step: step + 1, stepsPerEpoch: run.stepsPerEpoch, loss: sums.lossSum / sums.seen, accuracy: sums.correct / sums.seen, lr });
        // Lets a signal handler raise the interrupt flag in time (see event-loop.ts).
        await yieldToEventLoop();
        if (hooks.shouldStop?.() && progress.stepInEpoch < run.stepsPerEpoch) {
          // Mid-epoch: record the running sums so the resumed epoch reports the same figures.
          progress.partial = { ...sums, seconds: sums.seconds + (Date.now() - epochStart) / 1000 };
          await batches.return(undefined);
          interrupted = true;
          break;
        }
      }
      if (interrupted) {
        await hooks.onCheckpoint?.(await checkpointOf(run));
        break;
      }
      const stopped = await endEpoch(run, setup, epoch, sums, epochStart);
      if (hooks.shouldStop?.() && run.progress.epochsDone < cfg.epochs && !stopped) interrupted = true;
    }
    return { interrupted, summary: finishPhase(run, interrupted), history: run.history };
  } finally {
    run.dropoutLayers.forEach((l, i) => (l.seed = run.originalSeeds[i]));
    run.classWeights?.dispose();
    disposeOptimizer(run.optimizer);
  }
}

/** Running sums of an epoch (PhaseProgress.partial when interrupted mid-epoch); seconds: time before a resume. */
type EpochSums = NonNullable<PhaseProgress['partial']>;

/** Everything one phase's steps share; `progress`, `history` and `bestWeights` change as it trains. */
interface PhaseRun {
  tf: Tf;
  phase: PhaseNumber;
  chain: TrainableChain;
  cfg: PhaseConfig;
  fit: FitConfig;
  runKey: string;
  hooks: TrainHooks;
  completedPhases: PhaseSummary[];
  numClasses: number;
  stepsPerEpoch: number;
  totalSteps: number;
  classWeights: tfTypes.Tensor1D | null;
  /** variables that get gradients: trainable weights of upper, then of head */
  vars: tfTypes.Variable[];
  /** what checkpoints hold: trainable weights of upper, then every weight of head */
  checkpointWeights: WeightList;
  dropoutLayers: Array<{ seed?: number }>;
  originalSeeds: Array<number | undefined>;
  unseededLayers: string[];
  regularized: tfTypes.layers.Layer[];
  optimizer: tfTypes.Optimizer;
  progress: PhaseProgress;
  history: HistoryRow[];
  bestWeights: NamedArray[] | null;
  started: number;
}

/** Checks the settings and feeds, and builds the optimizer, class weights and dropout seeding of a phase. */
function preparePhase(phase: PhaseNumber, setup: PhaseSetup, cfg: PhaseConfig, opts: PhaseRunOptions): PhaseRun {
  const tf = loadTf();
  const { fit } = opts;
  validatePhaseSettings(phase, cfg, fit);
  const { chain, train, val } = setup;
  checkFeed(train, chain, 'training');
  if (val) checkFeed(val, chain, 'validation');
  const n = feedSize(train);
  if (n === 0) throw new DataError('the training split has no examples', 'Add images, or lower --val-split/--test-split.');
  const resume = opts.resume ?? null;
  checkResumable(resume, opts.runKey);
  if (resume && resume.progress.phase !== phase) throw new UsageError(`the checkpoint is from phase ${resume.progress.phase}, not phase ${phase}`);
  const numClasses = chain.head.outputs[0].shape[chain.head.outputs[0].shape.length - 1] as number;
  const vars = [...(chain.upper?.trainableWeights ?? []), ...chain.head.trainableWeights].map((w) => w.read() as tfTypes.Variable);
  if (vars.length === 0) throw new UsageError(`phase ${phase} has nothing to train: no trainable weights in the head or the unfrozen layers`);
  // Batches: the last may be short; a set smaller than one batch still gives one step.
  const stepsPerEpoch = Math.max(1, Math.ceil(n / fit.batchSize));
  const weights = resolveClassWeights(fit.classWeights, feedLabels(train), numClasses);
  const layers = [...(chain.upper?.layers ?? []), ...chain.head.layers];
  const dropoutLayers = layers.filter((l) => SEEDABLE.has(l.getClassName())) as unknown as Array<{ seed?: number }>;
  const optimizer = makeOptimizer(tf, cfg.optimizer);
  return {
    tf,
    phase,
    chain,
    cfg,
    fit,
    runKey: opts.runKey,
    hooks: opts.hooks ?? {},
    completedPhases: opts.completedPhases ?? [],
    numClasses,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * cfg.epochs,
    classWeights: fit.classWeights === 'none' ? null : tf.tensor1d(weights, 'float32'),
    vars,
    checkpointWeights: [...(chain.upper?.trainableWeights ?? []), ...chain.head.weights],
    dropoutLayers,
    originalSeeds: dropoutLayers.map((l) => l.seed),
    unseededLayers: layers.filter((l) => UNSEEDABLE.has(l.getClassName())).map((l) => l.name),
    regularized: layers.filter((l) => l.trainable && l.losses.length > 0),
    optimizer,
    progress: { phase, epochsDone: 0, stepInEpoch: 0, globalStep: 0, partial: null, earlyStopping: initialEarlyStoppingState() },
    history: resume ? resume.history.slice() : (opts.history ?? []).slice(),
    bestWeights: null,
    started: Date.now(),
  };
}

/** Puts weights, optimizer slots and progress back as the checkpoint left them. */
async function restoreFrom(run: PhaseRun, resume: TrainCheckpoint): Promise<void> {
  restoreWeights(run.tf, run.checkpointWeights, resume.weights, 'the checkpoint');
  if (resume.optimizer.kind !== run.cfg.optimizer.kind) {
    throw new UsageError(`the checkpoint was trained with ${resume.optimizer.kind}, not ${run.cfg.optimizer.kind}`);
  }
  await restoreOptimizerState(run.tf, run.optimizer, resume.optimizer);
  run.progress = JSON.parse(JSON.stringify(resume.progress)) as PhaseProgress;
  run.bestWeights = resume.bestWeights;
}

/** One optimizer step on one batch (frees the batch); returns its mean loss, correct count and rate. */
function batchStep(run: PhaseRun, b: ReadyBatch, epoch: number, step: number): { loss: number; correct: number; lr: number } {
  const { tf, chain, cfg, fit } = run;
  const lr = learningRateAt(run.progress.globalStep, run.totalSteps, cfg.optimizer.learningRate, cfg.schedule, run.stepsPerEpoch);
  setLearningRate(run.optimizer, lr);
  // Masks differ per batch and per layer but repeat across runs and across resume.
  const stepSeed = deriveSeed(fit.seed, 'dropout', run.phase, epoch, step);
  run.dropoutLayers.forEach((l, i) => (l.seed = deriveSeed(stepSeed, i)));
  let correctT: tfTypes.Scalar | null = null;
  const lossT = run.optimizer.minimize(
    () => {
      // upper runs in inference mode: BN normalises with (and keeps) its moving statistics.
      const h = chain.upper ? (chain.upper.apply(b.features, { training: false }) as tfTypes.Tensor) : b.features;
      const probs = chain.head.apply(h, { training: true }) as tfTypes.Tensor;
      correctT = tf.keep(correctCount(tf, probs, b.labels));
      let loss = crossEntropyLoss(tf, probs, b.labels, run.numClasses, { labelSmoothing: fit.labelSmoothing, classWeights: run.classWeights });
      for (const layer of run.regularized) for (const r of layer.calculateLosses()) loss = loss.add(r);
      return loss;
    },
    true,
    run.vars,
  ) as tfTypes.Scalar;
  const loss = lossT.dataSync()[0];
  const correct = (correctT as tfTypes.Scalar | null)?.dataSync()[0] ?? 0;
  tf.dispose([lossT, correctT as tfTypes.Scalar | null, b.features, b.labels].filter((t): t is tfTypes.Tensor => t !== null));
  // A NaN loss never recovers: every later update is NaN too. Stop at the first one.
  if (!Number.isFinite(loss)) throw new NonFiniteError(`the training loss became ${loss} in phase ${run.phase}, epoch ${epoch}, step ${step + 1}`);
  return { loss, correct, lr };
}

/**
 * After the last batch of an epoch: validate, append the history row, update early stopping
 * (snapshotting the best weights), tell the hooks and write a checkpoint. Returns whether early
 * stopping ended the phase.
 */
async function endEpoch(run: PhaseRun, setup: PhaseSetup, epoch: number, sums: EpochSums, epochStart: number): Promise<boolean> {
  const v = setup.val ? await evaluateChain(run.chain, setup.val, run.fit.batchSize) : null;
  const row: HistoryRow = {
    phase: run.phase,
    epoch,
    loss: sums.lossSum / sums.seen,
    accuracy: sums.correct / sums.seen,
    ...(v ? { valLoss: v.loss, valAccuracy: v.accuracy } : {}),
    lr: sums.lr,
    // validation included: the epoch's wall time as a user waits for it
    seconds: sums.seconds + (Date.now() - epochStart) / 1000,
  };
  const es = updateEarlyStopping(run.progress.earlyStopping, v ? v.loss : row.loss, epoch, run.cfg.earlyStopping);
  if (es.improved && run.cfg.earlyStopping.restoreBest) run.bestWeights = snapshotWeights(run.checkpointWeights);
  run.progress = { ...run.progress, epochsDone: epoch, stepInEpoch: 0, partial: null, earlyStopping: es.state };
  run.history.push(row);
  await run.hooks.onEpoch?.(row, {
    globalEpoch: run.history.length,
    epochs: run.cfg.epochs,
    improved: es.improved,
    bestEpoch: es.state.bestEpoch,
    stoppingEarly: es.state.stopped,
  });
  await run.hooks.onCheckpoint?.(await checkpointOf(run));
  return es.state.stopped;
}

/** The phase's end: the best epoch's weights restored (unless interrupted), and its summary. */
function finishPhase(run: PhaseRun, interrupted: boolean): PhaseSummary {
  const { progress, cfg } = run;
  const es = progress.earlyStopping;
  let restoredBest = false;
  if (!interrupted && cfg.earlyStopping.restoreBest && run.bestWeights && es.bestEpoch !== progress.epochsDone) {
    restoreWeights(run.tf, run.checkpointWeights, run.bestWeights, 'the best-epoch snapshot');
    restoredBest = true;
  }
  return {
    phase: run.phase,
    epochsPlanned: cfg.epochs,
    epochsRun: progress.epochsDone,
    stoppedEarly: es.stopped,
    bestEpoch: restoredBest ? es.bestEpoch : progress.epochsDone,
    restoredBest,
    steps: progress.globalStep,
    seconds: (Date.now() - run.started) / 1000,
    unseededLayers: run.unseededLayers,
  };
}

async function checkpointOf(run: PhaseRun): Promise<TrainCheckpoint> {
  return {
    format: 'tl-train-checkpoint',
    version: 1,
    runKey: run.runKey,
    progress: JSON.parse(JSON.stringify(run.progress)) as PhaseProgress,
    history: run.history.slice(),
    completedPhases: run.completedPhases.slice(),
    weights: snapshotWeights(run.checkpointWeights),
    bestWeights: run.bestWeights,
    optimizer: await captureOptimizerState(run.optimizer, run.cfg.optimizer.kind),
  };
}
