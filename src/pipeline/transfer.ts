// `transfer(options)`: the two-phase recipe. Phase 1 trains a new head on the frozen base's
// cached activations; phase 2 unfreezes the top of the base and fine-tunes it (and the head) at a
// lower rate on cached activations of the still-frozen layers below. BatchNormalization layers of
// the base run in inference mode throughout (the train room applies the base with training:false).
import type { LayersModel } from '@tensorflow/tfjs-node';
import { examplesOf, type Dataset, type InputSpec, type ResizeMode } from '../data';
import { buildHead, cutAt, defaultHeadConfig, resolveBase, stackModels, type BaseInfo, type HeadConfig, type SavedModelCheck } from '../models';
import { baseCacheIdentity, type Auto, type HistoryRow, type PhaseSummary } from '../train';
import { DATA_DEFAULTS, TRANSFER_DEFAULTS, withDefaults } from '../defaults';
import { ActivationStore, type FrozenPart } from './activation-store';
import type { PipelineListener } from './events';
import { loadRunData, splitCounts } from './run-data';
import { measureChain, publishRun, runWithClaimedOutput, trainPhases, type ClaimedRun, type RunBasics, type RunHooks, type RunMetrics } from './run-skeleton';
import { fineTuneSplit, phaseLengths, transferPhasePlans, type PhaseLengths } from './transfer-phases';

/** Phase 1 is described by the basics (epochs, lr, patience); phase 2 and the cut by the rest. */
export interface TransferOptions extends RunBasics {
  base: string;
  /** Layer to cut the base at; default: the base's feature layer (zoo or tl.json). */
  cutLayer?: string;
  head: HeadConfig;
  /** Phase 2 epochs, 0 skips it; 'auto': FINE_TUNE_RULE in train/step-budget.ts. */
  fineTuneEpochs: Auto<number>;
  /** Default lr / 10. */
  fineTuneLr?: number;
  /** Unfreeze from this layer of the cut base (name or index) ... */
  unfreezeFrom?: string;
  /** ... or the top K layers of the cut base. */
  fineTuneLayers: number;
  /** default: what the base expects */
  resize?: ResizeMode;
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

export async function transfer(options: Partial<TransferOptions> & { base: string; data: string; out: string }, hooks: RunHooks = {}): Promise<TransferResult> {
  const opts = withDefaults<TransferOptions>({ ...defaultTransferOptions(), base: options.base, data: options.data, out: options.out }, options);
  return runWithClaimedOutput('transfer', opts, [['--epochs', opts.epochs], ['--fine-tune-epochs', opts.fineTuneEpochs]], hooks, transferClaimed);
}

/**
 * transfer() once --out is claimed, in run order: base, data, cut and head, phase plans,
 * training, measurement on the activations below the trained part, and the run directory.
 */
async function transferClaimed(run: ClaimedRun<TransferOptions>): Promise<TransferResult> {
  const { opts } = run;
  const onEvent = run.hooks.onEvent;
  const { model: baseModel, info } = await loadBase(opts.base, onEvent);
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
    for (const [n, l] of [lengths.phase1, lengths.phase2].entries()) if (l.reason && l.epochs > 0) onEvent?.({ type: 'stage', message: `Phase ${n + 1} length (${l.reason})` });
    const fineTune = lengths.phase2.epochs > 0 ? fineTuneSplit(cut.body, opts) : undefined;

    const store = activationStore(run, info, ds, input);
    const plans = transferPhasePlans({
      settings: opts,
      lengths,
      body,
      head,
      fineTune,
      store,
      trainExamples: examplesOf(ds, 'train'),
      input,
      onSkip: (file) => onEvent?.({ type: 'skip', file }),
      onWarning: (message) => onEvent?.({ type: 'warning', message }),
      onStage: (message) => onEvent?.({ type: 'stage', message }),
    });
    const trained = await trainPhases(run, plans, {
      identity: { kind: 'transfer', base: baseCacheIdentity(info), data: opts.data, classes: ds.classes },
      title: (phase) => (phase === 1 ? 'training the new head on the frozen base' : `fine-tuning the base from ${fineTune?.unfreezeFrom} up, at a lower learning rate`),
    });

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
    const published = await publishRun(run, {
      model: stackModels(cut.body, head, 'tl_transfer'),
      ds,
      input,
      tl: {
        kind: 'transfer',
        base: opts.base,
        baseInfo: info,
        cutLayer: cut.cutLayer,
        unfreezeFrom: fineTune?.unfreezeFrom,
        // A later transfer from this run cuts below the new head: the pooled base features.
        featureLayer: cut.body.layers[cut.body.layers.length - 1].name,
        input,
        config: effectiveConfig(opts, lengths),
        timings: { trainSeconds: trained.seconds },
        cache,
        skipped: ds.skipped,
      },
      metrics,
      history: trained.history,
      phases: trained.phases,
    });
    return { outDir: opts.out, base: opts.base, cutLayer: cut.cutLayer, unfreezeFrom: fineTune?.unfreezeFrom, classes: ds.classes, metrics, phases: trained.phases, history: trained.history, cache, ...published };
  } finally {
    disposeWeights(owned);
  }
}

/** The base model, from the zoo, a run directory, a model.json or a URL. */
async function loadBase(base: string, onEvent?: PipelineListener) {
  onEvent?.({ type: 'stage', message: `Loading base ${base}` });
  return resolveBase(base, {
    // 'load' is an offline base read from an installed package: nothing is downloaded.
    onProgress: (e) => onEvent?.({ type: 'progress', stage: `${e.stage === 'load' ? 'Loading' : 'Downloading'} ${base}`, done: e.done, total: e.total }),
  });
}

/** The data with its split; warns when its channels differ from the base's. */
async function loadTransferData(opts: TransferOptions, input: InputSpec, onEvent?: PipelineListener): Promise<Dataset> {
  const ds = await loadRunData(opts.data, { valSplit: opts.valSplit, testSplit: opts.testSplit, seed: opts.seed, limitPerClass: opts.limitPerClass }, onEvent);
  if (ds.naturalInput && ds.naturalInput.channels !== input.channels) {
    onEvent?.({
      type: 'warning',
      message: `the data has ${ds.naturalInput.channels} channel(s) and the base expects ${input.channels}: images are converted (${ds.naturalInput.channels === 1 ? 'grey copied to RGB' : 'RGB to grey'})`,
    });
  }
  return ds;
}

/** The activation rows of this run's images, in memory and in the on-disk cache (unless --no-cache). */
function activationStore(run: ClaimedRun<TransferOptions>, info: BaseInfo, ds: Dataset, input: InputSpec): ActivationStore {
  const onEvent = run.hooks.onEvent;
  return new ActivationStore({
    baseIdentity: baseCacheIdentity(info),
    input,
    useCache: run.opts.cache,
    examples: { train: examplesOf(ds, 'train'), val: examplesOf(ds, 'val'), test: examplesOf(ds, 'test') },
    onProgress: (stage, done, total) => onEvent?.({ type: 'progress', stage, done, total }),
    onSkip: (file) => onEvent?.({ type: 'skip', file }),
    onWarning: (message) => onEvent?.({ type: 'warning', message }),
    onDetail: (message) => onEvent?.({ type: 'detail', message }),
    shouldStop: run.hooks.shouldStop,
    onStopped: run.checkpoint.stoppedOutsideTraining(run.command),
  });
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
