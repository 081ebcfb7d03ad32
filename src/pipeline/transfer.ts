// `transfer(options)`: the two-phase recipe. Phase 1 trains a new head on the frozen base's
// cached activations; phase 2 unfreezes the top of the base and fine-tunes it (and the head) at a
// lower rate on cached activations of the still-frozen layers below. BatchNormalization layers of
// the base run in inference mode throughout (the train room applies the base with training:false).
import { examplesOf, type AugmentConfig, type Dataset, type InputSpec, type ResizeMode } from '../data';
import { buildHead, cutAt, defaultHeadConfig, resolveBase, stackModels, writeRunDirectory, type HeadConfig, type SavedModelCheck } from '../models';
import {
  baseCacheIdentity,
  runKeyOf,
  runPhases,
  tensorBoardLogger,
  type Auto,
  type ClassWeightSpec,
  type HistoryRow,
  type OptimizerKind,
  type PhasePlan,
  type PhaseSummary,
  type ScheduleKind,
} from '../train';
import { DataError } from '../errors';
import { loadDataWithEvents, measureChain, resultOptions, runCheckpoint, reloadSample, runRecords, splitCounts, stripUndefined, TL_VERSION, type RunCheckpoint, type RunMetrics } from './common';
import type { LayersModel } from '@tensorflow/tfjs-node';
import { ActivationStore, type FrozenPart } from './activation-store';
import { fineTuneSplit, phaseLengths, transferPhasePlans, type PhaseLengths } from './transfer-phases';
import type { PipelineListener } from './events';
import { DATA_DEFAULTS, TRANSFER_DEFAULTS } from '../defaults';
import { refuseUntrained, withClaimedOutput } from './run-output';

export interface TransferOptions {
  base: string;
  data: string;
  out: string;
  overwrite: boolean;
  /** Layer to cut the base at; default: the base's feature layer (zoo or tl.json). */
  cutLayer?: string;
  head: HeadConfig;
  /** Phase 1; 'auto': a budget in optimizer steps (HEAD_RULE in train/step-budget.ts). */
  epochs: Auto<number>;
  batchSize: number;
  lr: number;
  optimizer: OptimizerKind;
  schedule: ScheduleKind;
  /** Early-stopping patience in epochs; 'auto': phase 1 by steps (step-budget.ts), phase 2 uses 5. */
  patience: Auto<number>;
  /** Phase 2 epochs, 0 skips it; 'auto': FINE_TUNE_RULE in train/step-budget.ts. */
  fineTuneEpochs: Auto<number>;
  /** Default lr / 10. */
  fineTuneLr?: number;
  /** Unfreeze from this layer of the cut base (name or index) ... */
  unfreezeFrom?: string;
  /** ... or the top K layers of the cut base. */
  fineTuneLayers: number;
  seed: number;
  valSplit: number;
  testSplit: number;
  limitPerClass?: number;
  augment?: AugmentConfig;
  resize?: ResizeMode;
  classWeights: ClassWeightSpec;
  labelSmoothing: number;
  tensorboard?: string;
  /** Continue from the checkpoint of an interrupted run with this --out. */
  resume: boolean;
  /** Activation cache on disk (off: compute every time). */
  cache: boolean;
}

export function defaultTransferOptions(): Omit<TransferOptions, 'base' | 'data' | 'out'> {
  const { head: _head, ...training } = TRANSFER_DEFAULTS;
  return { ...training, ...DATA_DEFAULTS, head: defaultHeadConfig(), overwrite: false, resume: false, cache: true };
}

export interface TransferResult {
  outDir: string;
  base: string;
  cutLayer: string;
  unfreezeFrom?: string;
  classes: string[];
  metrics: RunMetrics;
  phases: PhaseSummary[];
  history: HistoryRow[];
  cache: { phase1: { fromCache: number; computed: number }; phase2?: { fromCache: number; computed: number }; bypassed: boolean };
  seconds: number;
  /** The saved model read back before publishing, and how far its predictions were from the trained model's. */
  savedModelCheck?: SavedModelCheck;
}

export async function transfer(
  options: Partial<TransferOptions> & { base: string; data: string; out: string },
  hooks: { onEvent?: PipelineListener; shouldStop?: () => boolean } = {},
): Promise<TransferResult> {
  const opts = { ...defaultTransferOptions(), ...stripUndefined(options) } as TransferOptions;
  refuseUntrained([['--epochs', opts.epochs], ['--fine-tune-epochs', opts.fineTuneEpochs]]);
  return withClaimedOutput(opts, hooks.onEvent, (dataPaths) => transferClaimed(opts, hooks, dataPaths));
}

/**
 * transfer() once --out is claimed (checked and locked), in run order: checkpoint, base, data, cut
 * and head, phase plans, training, measurement on the activations below the trained part, and the
 * run directory.
 */
async function transferClaimed(opts: TransferOptions, hooks: { onEvent?: PipelineListener; shouldStop?: () => boolean }, dataPaths: string[]): Promise<TransferResult> {
  const onEvent = hooks.onEvent;
  const t0 = Date.now();
  const checkpoint = runCheckpoint(opts.out);
  const resume = await checkpoint.toResume(opts.resume);

  onEvent?.({ type: 'stage', message: `Loading base ${opts.base}` });
  const { model: baseModel, info } = await resolveBase(opts.base, {
    // 'load' is an offline base read from an installed package: nothing is downloaded.
    onProgress: (e) => onEvent?.({ type: 'progress', stage: `${e.stage === 'load' ? 'Loading' : 'Downloading'} ${opts.base}`, done: e.done, total: e.total }),
  });
  // Models whose weights this run owns; the cut body, split parts and stacked model share them.
  const owned: LayersModel[] = [baseModel];
  try {
    const input: InputSpec = { ...info.input, resize: opts.resize ?? info.input.resize };
    const ds = await loadTransferData(opts, input, onEvent);
    const counts = splitCounts(ds);

    const cut = cutAt(baseModel, opts.cutLayer ?? info.featureLayer);
    const body: FrozenPart = { model: cut.body, cutName: cut.cutLayer };
    const head = buildHead(cut.body.outputs[0].shape[1] as number, ds.classes.length, opts.head, opts.seed);
    owned.push(head);

    const lengths = phaseLengths(opts, counts.train);
    if (lengths.phase1.reason) onEvent?.({ type: 'stage', message: `Phase 1 length (${lengths.phase1.reason})` });
    if (lengths.phase2.epochs > 0 && lengths.phase2.reason) onEvent?.({ type: 'stage', message: `Phase 2 length (${lengths.phase2.reason})` });
    const fineTune = lengths.phase2.epochs > 0 ? fineTuneSplit(cut.body, opts) : undefined;

    const onSkip = (file: { id: string; reason: string }) => onEvent?.({ type: 'skip', file });
    const store = new ActivationStore({
      baseIdentity: baseCacheIdentity(info),
      input,
      batchSize: opts.batchSize,
      useCache: opts.cache,
      examples: { train: examplesOf(ds, 'train'), val: examplesOf(ds, 'val'), test: examplesOf(ds, 'test') },
      onProgress: (stage, done, total) => onEvent?.({ type: 'progress', stage, done, total }),
      onSkip,
      onWarning: (message) => onEvent?.({ type: 'warning', message }),
      shouldStop: hooks.shouldStop,
      onStopped: checkpoint.stoppedOutsideTraining('transfer'),
    });
    const plans = transferPhasePlans({
      settings: opts,
      lengths,
      body,
      head,
      fineTune,
      store,
      trainExamples: examplesOf(ds, 'train'),
      input,
      onSkip,
      onWarning: (message) => onEvent?.({ type: 'warning', message }),
      onStage: (message) => onEvent?.({ type: 'stage', message }),
    });

    const tTrain = Date.now();
    const result = await trainTransferPhases(plans, { opts, ds, baseIdentity: baseCacheIdentity(info), unfreezeFrom: fineTune?.unfreezeFrom, resume, checkpoint, hooks });
    const trainSeconds = (Date.now() - tTrain) / 1000;

    // Measured on the activations below the trained part (BN in inference mode, so identical to
    // the whole model): no second pass through the frozen layers, and the test split's
    // activations land in the cache too.
    onEvent?.({ type: 'stage', message: 'Measuring validation and test accuracy' });
    const below = fineTune ?? body;
    const valFeed = await store.feed(below, 'val', 'validation');
    const testFeed = counts.test > 0 ? await store.feed(below, 'test', 'test') : undefined;
    const metrics = await measureChain(fineTune ? { upper: fineTune.upper, head } : { head }, valFeed, testFeed, opts.batchSize, counts.train);

    const cache: TransferResult['cache'] = {
      phase1: store.countsAt(body.cutName),
      ...(fineTune ? { phase2: store.countsAt(fineTune.cutName) } : {}),
      bypassed: Boolean(opts.augment),
    };
    const { split, extraFiles } = await runRecords(ds, opts, result.history, onEvent);
    const seconds = (Date.now() - t0) / 1000;
    const written = await writeRunDirectory(
      opts.out,
      {
        model: stackModels(cut.body, head, 'tl_transfer'),
        labels: ds.classes,
        reloadSample: await reloadSample(ds, input),
        tl: {
          tlVersion: TL_VERSION,
          kind: 'transfer',
          base: opts.base,
          baseInfo: info,
          cutLayer: cut.cutLayer,
          unfreezeFrom: fineTune?.unfreezeFrom,
          // A later transfer from this run cuts below the new head: the pooled base features.
          featureLayer: cut.body.layers[cut.body.layers.length - 1].name,
          input,
          split,
          config: effectiveConfig(opts, lengths),
          timings: { trainSeconds, totalSeconds: seconds },
          cache,
          skipped: ds.skipped,
        },
        metrics: { ...metrics, phases: result.phases },
        history: result.history,
        extraFiles,
      },
      { overwrite: opts.overwrite || opts.resume, dataPaths },
    );
    checkpoint.remove();
    return { outDir: opts.out, base: opts.base, cutLayer: cut.cutLayer, unfreezeFrom: fineTune?.unfreezeFrom, classes: ds.classes, metrics, phases: result.phases, history: result.history, cache, seconds, savedModelCheck: written.savedModelCheck };
  } finally {
    disposeWeights(owned);
  }
}

/** The data with its split, refused without validation images; warns when channels differ from the base's. */
async function loadTransferData(opts: TransferOptions, input: InputSpec, onEvent?: PipelineListener): Promise<Dataset> {
  const ds = await loadDataWithEvents(opts.data, { valSplit: opts.valSplit, testSplit: opts.testSplit, seed: opts.seed, limitPerClass: opts.limitPerClass }, onEvent);
  if (splitCounts(ds).val === 0) throw new DataError(`no validation images in ${opts.data}`, 'raise --val-split, or add images');
  if (ds.naturalInput && ds.naturalInput.channels !== input.channels) {
    onEvent?.({
      type: 'warning',
      message: `the data has ${ds.naturalInput.channels} channel(s) and the base expects ${input.channels}: images are converted (${ds.naturalInput.channels === 1 ? 'grey copied to RGB' : 'RGB to grey'})`,
    });
  }
  return ds;
}

/** Runs the phases with checkpoints, TensorBoard and progress events; throws if interrupted. */
async function trainTransferPhases(
  plans: PhasePlan[],
  ctx: { opts: TransferOptions; ds: Dataset; baseIdentity: string; unfreezeFrom?: string; resume: Awaited<ReturnType<RunCheckpoint['toResume']>>; checkpoint: RunCheckpoint; hooks: { onEvent?: PipelineListener; shouldStop?: () => boolean } },
): Promise<Awaited<ReturnType<typeof runPhases>>> {
  const { opts, hooks, checkpoint } = ctx;
  const onEvent = hooks.onEvent;
  const tb = opts.tensorboard ? tensorBoardLogger(opts.tensorboard) : undefined;
  const result = await runPhases(plans, {
    fit: { batchSize: opts.batchSize, seed: opts.seed, labelSmoothing: opts.labelSmoothing, classWeights: opts.classWeights },
    runKey: runKeyOf({ kind: 'transfer', base: ctx.baseIdentity, data: opts.data, classes: ctx.ds.classes, opts: resultOptions(opts) }),
    resume: ctx.resume,
    hooks: {
      onBatch: (event) => onEvent?.({ type: 'batch', event }),
      onEpoch: (row, event) => {
        tb?.onEpoch(row, event);
        onEvent?.({ type: 'epoch', row, event });
      },
      onCheckpoint: (ckpt) => checkpoint.write(ckpt),
      shouldStop: hooks.shouldStop,
    },
    onPhaseStart: (phase, config, resumed) =>
      onEvent?.({
        type: 'phase',
        phase,
        phases: plans.length,
        title: phase === 1 ? 'training the new head on the frozen base' : `fine-tuning the base from ${ctx.unfreezeFrom} up, at a lower learning rate`,
        config,
        resumed,
      }),
  });
  tb?.close();
  if (result.interrupted) throw checkpoint.interrupted('transfer');
  return result;
}

/** The settings as run: 'auto' resolved to the numbers the phases ran with. */
function effectiveConfig(opts: TransferOptions, lengths: PhaseLengths): Record<string, unknown> {
  return {
    ...opts,
    epochs: lengths.phase1.epochs,
    patience: lengths.phase1.patience,
    fineTuneEpochs: lengths.phase2.epochs,
    autoBudget: [lengths.phase1.reason, lengths.phase2.reason && `phase 2 ${lengths.phase2.reason}`].filter(Boolean).join('; ') || undefined,
  };
}

/** Disposes every weight of the given models once (models cut from one base share weights). */
function disposeWeights(models: LayersModel[]): void {
  const seen = new Set<unknown>();
  for (const m of models) {
    for (const w of m.weights) {
      if (seen.has(w)) continue;
      seen.add(w);
      w.dispose();
    }
  }
}
