// `transfer(options)`: the two-phase recipe. Phase 1 trains a new head on the frozen base's
// cached activations; phase 2 unfreezes the top of the base and fine-tunes it (and the head) at a
// lower rate on cached activations of the still-frozen layers below. BatchNormalization layers of
// the base run in inference mode throughout (the train room applies the base with training:false).
import { batches, examplesOf, Example, InputSpec, AugmentConfig, ResizeMode } from '../data';
import { buildHead, cutAt, defaultHeadConfig, HeadConfig, resolveBase, splitAt, splitPointAtOrBelow, stackModels, writeRunDirectory, type SavedModelCheck } from '../models';
import {
  activationBatches,
  baseCacheIdentity,
  computeActivations,
  defaultEarlyStoppingConfig,
  defaultOptimizerConfig,
  defaultScheduleConfig,
  runKeyOf,
  runPhases,
  tensorBoardLogger,
  stepBudget,
  HEAD_RULE,
  STREAMED_HEAD_RULE,
  FINE_TUNE_RULE,
  STREAMED_FINE_TUNE_RULE,
  Auto,
  ActivationResult,
  ClassWeightSpec,
  HistoryRow,
  MemoryFeed,
  OptimizerKind,
  PhaseConfig,
  PhasePlan,
  PhaseSummary,
  ScheduleKind,
} from '../train';
import { DataError, ModelError } from '../errors';
import { streamFeed } from './feeds';
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
import type { LayersModel } from '@tensorflow/tfjs-node';
import type { PipelineListener } from './events';
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
  return {
    overwrite: false,
    head: defaultHeadConfig(),
    epochs: 'auto',
    batchSize: 32,
    lr: 1e-3,
    optimizer: 'adam',
    schedule: 'constant',
    patience: 'auto',
    fineTuneEpochs: 'auto',
    fineTuneLayers: 10,
    seed: 42,
    valSplit: 0.1,
    testSplit: 0.1,
    classWeights: 'none',
    labelSmoothing: 0,
    resume: false,
    cache: true,
  };
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

/** transfer() once --out is claimed (checked and locked). */
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
    const ds = await loadDataWithEvents(opts.data, { valSplit: opts.valSplit, testSplit: opts.testSplit, seed: opts.seed, limitPerClass: opts.limitPerClass }, onEvent);
    const counts = splitCounts(ds);
    if (counts.val === 0) throw new DataError(`no validation images in ${opts.data}`, 'raise --val-split, or add images');
    if (ds.naturalInput && ds.naturalInput.channels !== input.channels) {
      onEvent?.({
        type: 'warning',
        message: `the data has ${ds.naturalInput.channels} channel(s) and the base expects ${input.channels}: images are converted (${ds.naturalInput.channels === 1 ? 'grey copied to RGB' : 'RGB to grey'})`,
      });
    }

    const cut = cutAt(baseModel, opts.cutLayer ?? info.featureLayer);
    const body = cut.body;
    const featureDim = body.outputs[0].shape[1] as number;
    const head = buildHead(featureDim, ds.classes.length, opts.head, opts.seed);
    owned.push(head);
    const onSkip = (file: { id: string; reason: string }) => onEvent?.({ type: 'skip', file });
    const trainEx = examplesOf(ds, 'train');
    const valEx = examplesOf(ds, 'val');
    const testEx = examplesOf(ds, 'test');
    const baseIdentity = baseCacheIdentity(info);
    const cacheReport: TransferResult['cache'] = { phase1: { fromCache: 0, computed: 0 }, bypassed: Boolean(opts.augment) };

    /**
     * Activations of `lower` for one split, as a features feed: read from the on-disk cache by
     * content hash, and kept in memory for this run so the final measurement reuses them.
     * With `from`, the images missing from the cache are not decoded and run from pixels: `from.tail`
     * (the part of `lower` above `from.below`) runs on the activations already computed at
     * `from.below`, so one pass through the base yields both cut points.
     */
    type Rows = Pick<ActivationResult<Example>, 'features' | 'shape' | 'kept'>;
    const featureMemo = new Map<string, Rows>();
    const feedOf = (rows: Rows): MemoryFeed => ({ kind: 'memory', x: rows.features, shape: rows.shape, y: rows.kept.map((e) => e.label), stage: 'features' });
    const features = async (
      lower: LayersModel,
      cutName: string,
      which: 'train' | 'val' | 'test',
      label: string,
      tally: { fromCache: number; computed: number },
      from?: { tail: LayersModel; below: string },
    ): Promise<MemoryFeed> => {
      const key = `${cutName}|${which}`;
      const known = featureMemo.get(key);
      if (known) return feedOf(known);
      const examples = which === 'train' ? trainEx : which === 'val' ? valEx : testEx;
      const below = from ? featureMemo.get(`${from.below}|${which}`) : undefined;
      if (from && !below) throw new Error(`internal: activations at ${from.below} for ${which} are not computed yet`);
      const r = await computeActivations(
        below && from ? from.tail : lower,
        examples,
        (missing) => (below ? activationBatches(below, opts.batchSize, missing) : batches(missing, input, { batchSize: opts.batchSize, onSkip })),
        { base: baseIdentity, cutLayer: cutName, input },
        {
          useCache: opts.cache,
          fingerprintModel: lower,
          onProgress: (e) => onEvent?.({ type: 'progress', stage: `Base activations (${label})`, done: e.done, total: e.total }),
          shouldStop: hooks.shouldStop,
          onWarning: (message) => onEvent?.({ type: 'warning', message }),
        },
      ).catch(checkpoint.stoppedOutsideTraining('transfer'));
      tally.fromCache += r.fromCache;
      tally.computed += r.computed;
      featureMemo.set(key, r);
      return feedOf(r);
    };

    const budget = stepBudget({ epochs: opts.epochs, patience: opts.patience, trainCount: counts.train, batchSize: opts.batchSize, rule: opts.augment ? STREAMED_HEAD_RULE : HEAD_RULE });
    if (budget.reason) onEvent?.({ type: 'stage', message: `Phase 1 length (${budget.reason})` });
    const phase1Config: PhaseConfig = {
      epochs: budget.epochs,
      optimizer: { ...defaultOptimizerConfig(), kind: opts.optimizer, learningRate: opts.lr },
      schedule: { ...defaultScheduleConfig(), kind: opts.schedule },
      earlyStopping: { ...defaultEarlyStoppingConfig(), patience: budget.patience },
    };
    const plans: PhasePlan[] = [
      {
        phase: 1,
        config: phase1Config,
        prepare: async () => {
          if (opts.augment) {
            onEvent?.({ type: 'warning', message: 'augmentation is on: activation caches are bypassed and batches stream through the base every epoch' });
            return { chain: { frozen: body, head }, train: streamFeed(trainEx, input, opts.augment, onSkip), val: await features(body, cut.cutLayer, 'val', 'validation', cacheReport.phase1) };
          }
          // With fine-tuning ahead, phase 2 needs the activations below the unfrozen layers: compute
          // those first and derive the cut's from them, instead of a second pass from pixels later.
          const via = fineTune && fineTune.lower.outputs[0].shape.length === 4 ? { tail: fineTune.upper, below: fineTune.cutName } : undefined;
          if (via && fineTune) {
            await features(fineTune.lower, fineTune.cutName, 'train', 'training, below the layers fine-tuning unfreezes', cacheReport.phase2!);
            await features(fineTune.lower, fineTune.cutName, 'val', 'validation, below the layers fine-tuning unfreezes', cacheReport.phase2!);
          }
          const train = await features(body, cut.cutLayer, 'train', 'training', cacheReport.phase1, via);
          const val = await features(body, cut.cutLayer, 'val', 'validation', cacheReport.phase1, via);
          onEvent?.({ type: 'stage', message: `Activations: ${cacheReport.phase1.fromCache} from cache, ${cacheReport.phase1.computed} computed` });
          return { chain: { head }, train, val };
        },
      },
    ];

    let unfreezeFrom: string | undefined;
    let fineTune: { lower: LayersModel; cutName: string; upper: LayersModel } | undefined;
    const fineTuneBudget = stepBudget({
      epochs: opts.fineTuneEpochs,
      patience: opts.patience,
      trainCount: counts.train,
      batchSize: opts.batchSize,
      rule: opts.augment ? STREAMED_FINE_TUNE_RULE : FINE_TUNE_RULE,
    });
    if (fineTuneBudget.epochs > 0) {
      if (fineTuneBudget.reason) onEvent?.({ type: 'stage', message: `Phase 2 length (${fineTuneBudget.reason})` });
      // --fine-tune-layers K: the top K layers below the pooling, moved down to the start of a
      // block when K would land inside one (a skip connection crossing the cut).
      const topK = Math.max(1, body.layers.length - 1 - opts.fineTuneLayers);
      // --unfreeze-from is a layer name or number (findLayer reads decimal text as a number).
      const at = opts.unfreezeFrom ?? splitPointAtOrBelow(body, topK) ?? topK;
      const split = splitAt(body, at);
      unfreezeFrom = split.boundaryLayer;
      if (!split.lower) throw new ModelError(`--unfreeze-from ${opts.unfreezeFrom ?? at} would unfreeze the whole base`, 'Unfreeze fewer layers (the top 10 by default), so the layers below keep their cached activations.');
      const lower = split.lower;
      fineTune = { lower, cutName: split.lowerOutputLayer, upper: split.upper };
      cacheReport.phase2 = { fromCache: 0, computed: 0 };
      plans.push({
        phase: 2,
        config: {
          ...phase1Config,
          epochs: fineTuneBudget.epochs,
          optimizer: { ...phase1Config.optimizer, learningRate: opts.fineTuneLr ?? opts.lr / 10 },
          earlyStopping: { ...phase1Config.earlyStopping, patience: fineTuneBudget.patience },
        },
        prepare: async () => {
          if (opts.augment) return { chain: { frozen: lower, upper: split.upper, head }, train: streamFeed(trainEx, input, opts.augment, onSkip), val: await features(lower, split.lowerOutputLayer, 'val', 'validation', cacheReport.phase2!) };
          const train = await features(lower, split.lowerOutputLayer, 'train', 'training, below the unfrozen layers', cacheReport.phase2!);
          const val = await features(lower, split.lowerOutputLayer, 'val', 'validation, below the unfrozen layers', cacheReport.phase2!);
          return { chain: { upper: split.upper, head }, train, val };
        },
      });
    }

    const tb = opts.tensorboard ? tensorBoardLogger(opts.tensorboard) : undefined;
    const runKey = runKeyOf({ kind: 'transfer', base: baseIdentity, data: opts.data, classes: ds.classes, opts: resultOptions(opts) });
    const tTrain = Date.now();
    const result = await runPhases(plans, {
      fit: { batchSize: opts.batchSize, seed: opts.seed, labelSmoothing: opts.labelSmoothing, classWeights: opts.classWeights },
      runKey,
      resume,
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
          title: phase === 1 ? 'training the new head on the frozen base' : `fine-tuning the base from ${unfreezeFrom} up, at a lower learning rate`,
          config,
          resumed,
        }),
    });
    tb?.close();
    if (result.interrupted) {
      throw checkpoint.interrupted('transfer');
    }
    const trainSeconds = (Date.now() - tTrain) / 1000;

    const model = stackModels(body, head, 'tl_transfer');
    onEvent?.({ type: 'stage', message: 'Measuring validation and test accuracy' });
    // The finished model equals lower -> (unfrozen upper) -> head with BN in inference mode, so the
    // figures are measured on the activations below the trained part: no second pass through the
    // frozen base for validation, and the test split's activations land in the cache too.
    const measureBelow = fineTune ?? { lower: body, cutName: cut.cutLayer, upper: undefined };
    const measureTally = fineTune ? cacheReport.phase2! : cacheReport.phase1;
    const evalChain = measureBelow.upper ? { upper: measureBelow.upper, head } : { head };
    const valFeed = await features(measureBelow.lower, measureBelow.cutName, 'val', 'validation', measureTally);
    const testFeed = testEx.length > 0 ? await features(measureBelow.lower, measureBelow.cutName, 'test', 'test', measureTally) : undefined;
    const metrics = await measureChain(evalChain, valFeed, testFeed, opts.batchSize, counts.train);
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
          kind: 'transfer',
          base: opts.base,
          baseInfo: info,
          cutLayer: cut.cutLayer,
          unfreezeFrom,
          // A later transfer from this run cuts below the new head: the pooled base features.
          featureLayer: body.layers[body.layers.length - 1].name,
          input,
          split,
          // The effective settings: 'auto' resolved to the numbers phase 1 ran with.
          config: {
            ...opts,
            epochs: budget.epochs,
            patience: budget.patience,
            fineTuneEpochs: fineTuneBudget.epochs,
            autoBudget: [budget.reason, fineTuneBudget.reason && `phase 2 ${fineTuneBudget.reason}`].filter(Boolean).join('; ') || undefined,
          },
          timings: { trainSeconds, totalSeconds: seconds },
          cache: cacheReport,
          skipped: ds.skipped,
        },
        metrics: { ...metrics, phases: result.phases },
        history: result.history,
        extraFiles,
      },
      { overwrite: opts.overwrite || opts.resume, dataPaths },
    );
    checkpoint.remove();
    return { outDir: opts.out, base: opts.base, cutLayer: cut.cutLayer, unfreezeFrom, classes: ds.classes, metrics, phases: result.phases, history: result.history, cache: cacheReport, seconds, savedModelCheck: written.savedModelCheck };
  } finally {
    disposeWeights(owned);
  }
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
