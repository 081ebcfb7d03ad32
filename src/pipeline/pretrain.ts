// `pretrain(options)`: trains a source-task (task A) model from scratch and writes a run
// directory that `transfer` can use as its base. Also the from-scratch baseline for few-shot sets.
import { examplesOf, type Dataset, type InputSpec, type ResizeMode } from '../data';
import { buildArchitecture, type ArchitectureName, type SavedModelCheck } from '../models';
import { phaseConfig, stepBudget, SCRATCH_RULE, type HistoryRow, type PhaseSummary } from '../train';
import { DATA_DEFAULTS, PRETRAIN_DEFAULTS, withDefaults } from '../defaults';
import { inputFeed } from './feeds';
import { loadRunData, splitCounts } from './run-data';
import { measureChain, publishRun, runWithClaimedOutput, trainPhases, type ClaimedRun, type RunBasics, type RunHooks, type RunMetrics } from './run-skeleton';

export interface PretrainOptions extends RunBasics {
  /** 'auto': cnn-small for small grey images (built-in sets), mobilenet-v1-style otherwise. */
  arch: ArchitectureName | 'auto';
  /** width multiplier of mobilenet-v1-style */
  alpha: number;
  /** Square input size for image folders; built-in sets use their natural 28x28x1. */
  inputSize: number;
  resize: ResizeMode;
}

export function defaultPretrainOptions(): Omit<PretrainOptions, 'data' | 'out'> {
  return { ...PRETRAIN_DEFAULTS, ...DATA_DEFAULTS, overwrite: false, resume: false };
}

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

export async function pretrain(options: Partial<PretrainOptions> & { data: string; out: string }, hooks: RunHooks = {}): Promise<PretrainResult> {
  const opts = withDefaults<PretrainOptions>({ ...defaultPretrainOptions(), data: options.data, out: options.out }, options);
  return runWithClaimedOutput('pretraining', opts, [['--epochs', opts.epochs]], hooks, pretrainClaimed);
}

/** pretrain() once --out is claimed, in run order: data, architecture, decoding, training, measuring, the run directory. */
async function pretrainClaimed(run: ClaimedRun<PretrainOptions>): Promise<PretrainResult> {
  const { opts } = run;
  const onEvent = run.hooks.onEvent;
  const ds = await loadRunData(opts.data, { valSplit: opts.valSplit, testSplit: opts.testSplit, seed: opts.seed, limitPerClass: opts.limitPerClass }, onEvent);
  const counts = splitCounts(ds);
  const { arch, input } = pretrainInput(opts, ds);
  const { model, featureLayer } = buildArchitecture(arch, input, ds.classes.length, { alpha: opts.alpha, seed: opts.seed });
  try {
    const feeds = await decodeFeeds(run, ds, counts, input);

    const budget = stepBudget({ epochs: opts.epochs, patience: opts.patience, trainCount: counts.train, batchSize: opts.batchSize, rule: SCRATCH_RULE });
    if (budget.reason) onEvent?.({ type: 'stage', message: `Training length (${budget.reason})` });
    const config = phaseConfig({ epochs: budget.epochs, optimizer: opts.optimizer, lr: opts.lr, schedule: opts.schedule, patience: budget.patience });
    const trained = await trainPhases(run, [{ phase: 1, config, prepare: async () => ({ chain: { head: model }, train: feeds.train, val: feeds.val }) }], {
      identity: { kind: 'pretrain', classes: ds.classes },
      title: () => `Training ${arch} from scratch on ${ds.classes.length} classes`,
    });

    onEvent?.({ type: 'stage', message: 'Measuring validation and test accuracy' });
    const test = await feeds.test();
    const metrics = await measureChain({ head: model }, feeds.val, test, opts.batchSize, counts.train);
    const published = await publishRun(run, {
      model,
      ds,
      input,
      // The effective settings: 'auto' resolved to the numbers the run trained with.
      tl: {
        kind: 'pretrain',
        arch,
        featureLayer,
        input,
        config: { ...opts, epochs: budget.epochs, patience: budget.patience, autoBudget: budget.reason || undefined },
        timings: { decodeSeconds: feeds.seconds, trainSeconds: trained.seconds },
        skipped: ds.skipped,
      },
      metrics,
      history: trained.history,
      phases: trained.phases,
    });
    return { outDir: opts.out, arch, input, classes: ds.classes, metrics, phases: trained.phases, history: trained.history, ...published };
  } finally {
    model.dispose();
  }
}

/** The architecture ('auto': cnn-small for small grey images) and input: built-in sets keep their natural size. */
function pretrainInput(opts: PretrainOptions, ds: Dataset): { arch: ArchitectureName; input: InputSpec } {
  const natural = ds.naturalInput;
  const arch: ArchitectureName = opts.arch !== 'auto' ? opts.arch : natural && natural.channels === 1 && natural.height <= 64 ? 'cnn-small' : 'mobilenet-v1-style';
  const input: InputSpec = natural
    ? { height: natural.height, width: natural.width, channels: natural.channels, preprocessing: { kind: 'scale01' }, resize: opts.resize }
    : { height: opts.inputSize, width: opts.inputSize, channels: 3, preprocessing: { kind: 'scale01' }, resize: opts.resize };
  return { arch, input };
}

/** Training and validation images decoded into memory once (augmented per epoch when asked); test on demand. */
async function decodeFeeds(run: ClaimedRun<PretrainOptions>, ds: Dataset, counts: ReturnType<typeof splitCounts>, input: InputSpec) {
  const { opts, hooks } = run;
  const onEvent = hooks.onEvent;
  const onSkip = (file: { id: string; reason: string }) => onEvent?.({ type: 'skip', file });
  onEvent?.({ type: 'stage', message: `Decoding ${counts.train} training and ${counts.val} validation images (${input.height}x${input.width}x${input.channels})` });
  const started = Date.now();
  // A stop asked for while decoding (minutes on a large set) ends the run there.
  const decodeStopped = run.checkpoint.stoppedOutsideTraining(run.command);
  const shouldStop = hooks.shouldStop;
  const train = await inputFeed(examplesOf(ds, 'train'), input, {
    batchSize: opts.batchSize,
    augment: opts.augment,
    onSkip,
    shouldStop,
    onProgress: (done, total) => onEvent?.({ type: 'progress', stage: 'Decoding training images', done, total }),
  }).catch(decodeStopped);
  const val = await inputFeed(examplesOf(ds, 'val'), input, { batchSize: opts.batchSize, onSkip, shouldStop }).catch(decodeStopped);
  const testExamples = examplesOf(ds, 'test');
  const test = async () => (testExamples.length > 0 ? await inputFeed(testExamples, input, { batchSize: opts.batchSize, onSkip, shouldStop }).catch(decodeStopped) : undefined);
  return { train, val, test, seconds: (Date.now() - started) / 1000 };
}
