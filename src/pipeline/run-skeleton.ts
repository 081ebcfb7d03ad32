// The skeleton every training run follows, shared by pretrain and transfer:
//   claim --out (run-output.ts) -> checkpoint -> data (run-data.ts) -> plan (the verb's own)
//   -> trainPhases -> measureChain -> publishRun.
// Each verb supplies only its plan: what trains, on which feeds, and what tl.json records.
import type { AugmentConfig, InputSpec, Dataset } from '../data';
import { writeSplitAssignment } from '../data';
import { writeRunDirectory, type SavedModelCheck, type TlJson, type TlSplitInfo } from '../models';
import type { LayersModel } from '@tensorflow/tfjs-node';
import {
  evaluateChain,
  runKeyOf,
  runPhases,
  tensorBoardLogger,
  type Auto,
  type ClassWeightSpec,
  type OptimizerKind,
  type ScheduleKind,
  type Feed,
  type HistoryRow,
  type PhasePlan,
  type PhaseSummary,
  type TrainableChain,
  type TrainCheckpoint,
} from '../train';
import { TL_VERSION } from '../version';
import type { PipelineListener } from './events';
import { reloadSample } from './run-data';
import { resultOptions, runCheckpoint, type RunCheckpoint } from './run-checkpoint';
import { refuseUntrained, withClaimedOutput } from './run-output';

/** How a caller follows and stops a run: events to render, and a flag polled after every batch. */
export interface RunHooks {
  onEvent?: PipelineListener;
  shouldStop?: () => boolean;
}

/** The options every training verb has (the rest is the verb's own). */
export interface RunBasics {
  /** --data: a folder, pre-split tree, manifest or built-in set */
  data: string;
  out: string;
  overwrite: boolean;
  /** Continue from the checkpoint of an interrupted run with this --out. */
  resume: boolean;
  tensorboard?: string;
  /** 'auto': a budget in optimizer steps (train/step-budget.ts; the verb picks the rule) */
  epochs: Auto<number>;
  /** Early-stopping patience in epochs; 'auto': worth the rule's steps */
  patience: Auto<number>;
  batchSize: number;
  lr: number;
  optimizer: OptimizerKind;
  schedule: ScheduleKind;
  seed: number;
  labelSmoothing: number;
  classWeights: ClassWeightSpec;
  valSplit: number;
  testSplit: number;
  limitPerClass?: number;
  augment?: AugmentConfig;
}

/** A run once --out is claimed: its options, hooks, checkpoint and clock. */
export interface ClaimedRun<O extends RunBasics> {
  opts: O;
  hooks: RunHooks;
  /** 'pretraining' or 'transfer', as messages name the run */
  command: string;
  checkpoint: RunCheckpoint;
  /** the checkpoint --resume continues from; null for a fresh run */
  resume: TrainCheckpoint | null;
  /** --data path(s) that --overwrite must never replace */
  dataPaths: string[];
  started: number;
}

/**
 * Refuses a run that would train no epoch, then runs `body` with --out claimed (checked and locked
 * before any work) and the checkpoint that --resume continues from.
 */
export async function runWithClaimedOutput<O extends RunBasics, R>(
  command: string,
  options: O,
  epochFlags: [flag: string, value: number | 'auto'][],
  hooks: RunHooks,
  body: (run: ClaimedRun<O>) => Promise<R>,
): Promise<R> {
  refuseUntrained(epochFlags);
  return withClaimedOutput(options, hooks.onEvent, async (dataPaths) => {
    const checkpoint = runCheckpoint(options.out);
    const resume = await checkpoint.toResume(options.resume);
    return body({ opts: options, hooks, command, checkpoint, resume, dataPaths, started: Date.now() });
  });
}

/**
 * Runs the phases with a checkpoint after every epoch, TensorBoard when asked, and progress
 * events; throws the run's InterruptedError when stopped. `identity` goes into the run key with
 * the options that decide the result, so --resume refuses a checkpoint of another run.
 */
export async function trainPhases(
  run: ClaimedRun<RunBasics>,
  plans: PhasePlan[],
  describe: { identity: object; title: (phase: number) => string },
): Promise<{ history: HistoryRow[]; phases: PhaseSummary[]; seconds: number }> {
  const { opts, checkpoint } = run;
  const onEvent = run.hooks.onEvent;
  const tb = opts.tensorboard ? tensorBoardLogger(opts.tensorboard) : undefined;
  const started = Date.now();
  const result = await runPhases(plans, {
    fit: { batchSize: opts.batchSize, seed: opts.seed, labelSmoothing: opts.labelSmoothing, classWeights: opts.classWeights },
    runKey: runKeyOf({ ...describe.identity, opts: resultOptions(opts) }),
    resume: run.resume,
    hooks: {
      onBatch: (event) => onEvent?.({ type: 'batch', event }),
      onEpoch: (row, event) => {
        tb?.onEpoch(row, event);
        onEvent?.({ type: 'epoch', row, event });
      },
      onCheckpoint: (ckpt) => checkpoint.write(ckpt),
      shouldStop: run.hooks.shouldStop,
    },
    onPhaseStart: (phase, config, resumed) => onEvent?.({ type: 'phase', phase, phases: plans.length, title: describe.title(phase), config, resumed }),
  });
  tb?.close();
  if (result.interrupted) throw checkpoint.interrupted(run.command);
  return { history: result.history, phases: result.phases, seconds: (Date.now() - started) / 1000 };
}

/** Final figures of a run, measured on the finished model. */
export interface RunMetrics {
  valAccuracy: number;
  valLoss: number;
  testAccuracy?: number;
  testLoss?: number;
  testCount: number;
  trainCount: number;
  valCount: number;
}

/** Validation (and test, when there is a test feed) loss and accuracy of the finished model, given as a chain (optional upper part, head) over its feeds. */
export async function measureChain(chain: TrainableChain, val: Feed, test: Feed | undefined, batchSize: number, trainCount: number): Promise<RunMetrics> {
  const valEval = await evaluateChain(chain, val, batchSize);
  const testEval = test ? await evaluateChain(chain, test, batchSize) : undefined;
  return {
    valAccuracy: valEval.accuracy,
    valLoss: valEval.loss,
    testAccuracy: testEval?.accuracy,
    testLoss: testEval?.loss,
    testCount: testEval?.count ?? 0,
    trainCount,
    valCount: valEval.count,
  };
}

/** What a finished run publishes; tl.json's split, version and timings are filled in here. */
export interface FinishedRun {
  model: LayersModel;
  ds: Dataset;
  input: InputSpec;
  /** tl.json's verb-specific fields; the seconds of its stages (totalSeconds is added) */
  tl: Pick<TlJson, 'kind' | 'featureLayer' | 'input' | 'config'> & { timings: Record<string, number>; [field: string]: unknown };
  metrics: RunMetrics;
  history: HistoryRow[];
  phases: PhaseSummary[];
}

/**
 * Writes the run directory (atomically, read back and checked before it is published) with
 * split.json and the learning curves beside the model, then drops the checkpoint.
 * Returns the total seconds and the reload check.
 */
export async function publishRun(run: ClaimedRun<RunBasics>, f: FinishedRun): Promise<{ seconds: number; savedModelCheck?: SavedModelCheck }> {
  const { opts } = run;
  const { split, extraFiles } = await runRecords(f.ds, opts, f.history, run.hooks.onEvent);
  const seconds = (Date.now() - run.started) / 1000;
  const written = await writeRunDirectory(
    opts.out,
    {
      model: f.model,
      labels: f.ds.classes,
      reloadSample: await reloadSample(f.ds, f.input),
      tl: { tlVersion: TL_VERSION, ...f.tl, split, timings: { ...f.tl.timings, totalSeconds: seconds } },
      metrics: { ...f.metrics, phases: f.phases },
      history: f.history,
      extraFiles,
    },
    { overwrite: opts.overwrite || opts.resume, dataPaths: run.dataPaths },
  );
  run.checkpoint.remove();
  return { seconds, savedModelCheck: written.savedModelCheck };
}

/** The split record for tl.json and the files that go beside the model (split, learning curves). */
async function runRecords(
  ds: Dataset,
  opts: { data: string; seed: number; valSplit: number; testSplit: number; limitPerClass?: number },
  history: HistoryRow[],
  onEvent?: PipelineListener,
): Promise<{ split: TlSplitInfo; extraFiles: Record<string, Buffer | string> }> {
  const extraFiles: Record<string, Buffer | string> = { 'split.json': JSON.stringify(writeSplitAssignment(ds)) };
  const curves = await learningCurveFile(history, onEvent);
  if (curves) extraFiles['learning-curves.png'] = curves;
  const split: TlSplitInfo = {
    spec: opts.data,
    seed: opts.seed,
    valSplit: opts.valSplit,
    testSplit: opts.testSplit,
    limitPerClass: opts.limitPerClass,
    presplit: ds.splitConfig.presplit,
    assignmentFile: 'split.json',
  };
  return { split, extraFiles };
}

/** Learning-curve PNG, or undefined with a warning when rendering fails. */
async function learningCurveFile(history: HistoryRow[], onEvent?: PipelineListener): Promise<Buffer | undefined> {
  if (history.length === 0) return undefined;
  try {
    const { learningCurvesPng } = await import('../report');
    return await learningCurvesPng(history);
  } catch (e) {
    onEvent?.({ type: 'warning', message: `learning-curve plot not written: ${(e as Error).message}` });
    return undefined;
  }
}
