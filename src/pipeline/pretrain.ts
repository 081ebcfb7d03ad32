// `pretrain(options)`: trains a source-task (task A) model from scratch and writes a run
// directory that `transfer` can use as its base. Also the from-scratch baseline for few-shot sets.
import { examplesOf, InputSpec, AugmentConfig, ResizeMode } from '../data';
import { ArchitectureName, buildArchitecture, writeRunDirectory, type SavedModelCheck } from '../models';
import {
  phaseConfig,
  runKeyOf,
  runPhases,
  HistoryRow,
  PhaseSummary,
  ScheduleKind,
  OptimizerKind,
  ClassWeightSpec,
  stepBudget,
  SCRATCH_RULE,
  Auto,
} from '../train';
import { DataError } from '../errors';
import { inputFeed } from './feeds';
import {
  loadDataWithEvents,
  measureChain,
  resultOptions,
  runCheckpoint,
  reloadSample,
  runRecords,
  splitCounts,
  stripUndefined,
  TL_VERSION,
  RunMetrics,
} from './common';
import type { PipelineListener } from './events';
import { DATA_DEFAULTS, PRETRAIN_DEFAULTS } from '../defaults';
import { refuseUntrained, withClaimedOutput } from './run-output';

export interface PretrainOptions {
  data: string;
  out: string;
  overwrite: boolean;
  /** 'auto': cnn-small for small grey images (built-in sets), mobilenet-v1-style otherwise. */
  arch: ArchitectureName | 'auto';
  alpha: number;
  /** Square input size for image folders; built-in sets use their natural 28x28x1. */
  inputSize: number;
  /** 'auto': at least 2,000 steps, 12 epochs minimum (SCRATCH_RULE in train/step-budget.ts). */
  epochs: Auto<number>;
  batchSize: number;
  lr: number;
  optimizer: OptimizerKind;
  schedule: ScheduleKind;
  /** Early-stopping patience in epochs; 'auto': worth 200 steps, 3 epochs minimum. */
  patience: Auto<number>;
  seed: number;
  valSplit: number;
  testSplit: number;
  limitPerClass?: number;
  augment?: AugmentConfig;
  resize: ResizeMode;
  classWeights: ClassWeightSpec;
  labelSmoothing: number;
  /** Continue from the checkpoint of an interrupted run with this --out. */
  resume: boolean;
}

export function defaultPretrainOptions(): Omit<PretrainOptions, 'data' | 'out'> {
  return { ...PRETRAIN_DEFAULTS, ...DATA_DEFAULTS, overwrite: false, resume: false };
}

export type { RunMetrics } from './common';

export interface PretrainResult {
  outDir: string;
  arch: ArchitectureName;
  input: InputSpec;
  classes: string[];
  metrics: RunMetrics;
  phases: PhaseSummary[];
  history: HistoryRow[];
  seconds: number;
  /** The saved model read back before publishing, and how far its predictions were from the trained model's. */
  savedModelCheck?: SavedModelCheck;
}

export async function pretrain(
  options: Partial<PretrainOptions> & { data: string; out: string },
  hooks: { onEvent?: PipelineListener; shouldStop?: () => boolean } = {},
): Promise<PretrainResult> {
  const opts = { ...defaultPretrainOptions(), ...stripUndefined(options) } as PretrainOptions;
  refuseUntrained([['--epochs', opts.epochs]]);
  // --out is checked and locked before minutes of training.
  return withClaimedOutput(opts, hooks.onEvent, (dataPaths) => pretrainClaimed(opts, hooks, dataPaths));
}

/** pretrain() once --out is claimed (checked and locked). */
async function pretrainClaimed(opts: PretrainOptions, hooks: { onEvent?: PipelineListener; shouldStop?: () => boolean }, dataPaths: string[]): Promise<PretrainResult> {
  const onEvent = hooks.onEvent;
  const t0 = Date.now();
  const checkpoint = runCheckpoint(opts.out);
  const resume = await checkpoint.toResume(opts.resume);

  const ds = await loadDataWithEvents(opts.data, { valSplit: opts.valSplit, testSplit: opts.testSplit, seed: opts.seed, limitPerClass: opts.limitPerClass }, onEvent);
  const counts = splitCounts(ds);
  if (counts.val === 0) throw new DataError(`no validation images in ${opts.data}`, 'raise --val-split, or add images');

  const natural = ds.naturalInput;
  const arch: ArchitectureName = opts.arch !== 'auto' ? opts.arch : natural && natural.channels === 1 && natural.height <= 64 ? 'cnn-small' : 'mobilenet-v1-style';
  const input: InputSpec = natural
    ? { height: natural.height, width: natural.width, channels: natural.channels, preprocessing: { kind: 'scale01' }, resize: opts.resize }
    : { height: opts.inputSize, width: opts.inputSize, channels: 3, preprocessing: { kind: 'scale01' }, resize: opts.resize };

  const { model, featureLayer } = buildArchitecture(arch, input, ds.classes.length, { alpha: opts.alpha, seed: opts.seed });
  try {
    const onSkip = (file: { id: string; reason: string }) => onEvent?.({ type: 'skip', file });
    onEvent?.({ type: 'stage', message: `Decoding ${counts.train} training and ${counts.val} validation images (${input.height}x${input.width}x${input.channels})` });
    const tDecode = Date.now();
    // A stop asked for while decoding (minutes on a large set) ends the run there.
    const decodeStopped = checkpoint.stoppedOutsideTraining('pretraining');
    const shouldStop = hooks.shouldStop;
    const train = await inputFeed(examplesOf(ds, 'train'), input, {
      batchSize: opts.batchSize,
      augment: opts.augment,
      onSkip,
      shouldStop,
      onProgress: (done, total) => onEvent?.({ type: 'progress', stage: 'Decoding training images', done, total }),
    }).catch(decodeStopped);
    const val = await inputFeed(examplesOf(ds, 'val'), input, { batchSize: opts.batchSize, onSkip, shouldStop }).catch(decodeStopped);
    const decodeSeconds = (Date.now() - tDecode) / 1000;

    const budget = stepBudget({ epochs: opts.epochs, patience: opts.patience, trainCount: counts.train, batchSize: opts.batchSize, rule: SCRATCH_RULE });
    if (budget.reason) onEvent?.({ type: 'stage', message: `Training length (${budget.reason})` });
    const config = phaseConfig({ epochs: budget.epochs, optimizer: opts.optimizer, lr: opts.lr, schedule: opts.schedule, patience: budget.patience });
    const fit = { batchSize: opts.batchSize, seed: opts.seed, labelSmoothing: opts.labelSmoothing, classWeights: opts.classWeights };
    const tTrain = Date.now();
    const result = await runPhases(
      [{ phase: 1, config, prepare: async () => ({ chain: { head: model }, train, val }) }],
      {
        fit,
        runKey: runKeyOf({ kind: 'pretrain', opts: resultOptions(opts), classes: ds.classes }),
        resume,
        hooks: {
          onBatch: (event) => onEvent?.({ type: 'batch', event }),
          onEpoch: (row, event) => onEvent?.({ type: 'epoch', row, event }),
          onCheckpoint: (ckpt) => checkpoint.write(ckpt),
          shouldStop: hooks.shouldStop,
        },
        onPhaseStart: (phase, config, resumed) =>
          onEvent?.({ type: 'phase', phase, phases: 1, title: `Training ${arch} from scratch on ${ds.classes.length} classes`, config, resumed }),
      },
    );
    if (result.interrupted) {
      throw checkpoint.interrupted('pretraining');
    }
    const trainSeconds = (Date.now() - tTrain) / 1000;

    onEvent?.({ type: 'stage', message: 'Measuring validation and test accuracy' });
    const testExamples = examplesOf(ds, 'test');
    const test = testExamples.length > 0 ? await inputFeed(testExamples, input, { batchSize: opts.batchSize, onSkip, shouldStop }).catch(decodeStopped) : undefined;
    const metrics = await measureChain({ head: model }, val, test, opts.batchSize, counts.train);
    const { split, extraFiles } = await runRecords(ds, opts, result.history, onEvent);
    const seconds = (Date.now() - t0) / 1000;
    const written = await writeRunDirectory(
      opts.out,
      {
        model,
        labels: ds.classes,
        reloadSample: await reloadSample(ds, input),
        tl: {
          tlVersion: TL_VERSION,
          kind: 'pretrain',
          arch,
          featureLayer,
          input,
          split,
          // The effective settings: 'auto' resolved to the numbers the run trained with.
          config: { ...opts, epochs: budget.epochs, patience: budget.patience, autoBudget: budget.reason || undefined },
          timings: { decodeSeconds, trainSeconds, totalSeconds: seconds },
          skipped: ds.skipped,
        },
        metrics: { ...metrics, phases: result.phases },
        history: result.history,
        extraFiles,
      },
      { overwrite: opts.overwrite || opts.resume, dataPaths },
    );
    checkpoint.remove();
    return { outDir: opts.out, arch, input, classes: ds.classes, metrics, phases: result.phases, history: result.history, seconds, savedModelCheck: written.savedModelCheck };
  } finally {
    model.dispose();
  }
}

