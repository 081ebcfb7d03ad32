// `tl evaluate` as a library call: read a run directory, pick the data (the run's saved test
// split, or --data), evaluate, apply the gate, write the report files. Never prints; reports
// progress through callbacks. The CLI turns a failed gate into exit code 1.
import * as fs from 'fs';
import * as path from 'path';
import { DataError, ModelError, UsageError } from '../errors';
import { batches, datasetFromAssignment, examplesOf, loadDataset } from '../data';
import type { Dataset, Example, InputSpec, SkippedFile, SplitAssignmentJson, SplitName } from '../data';
import { EVALUATION_DIR, inferInput, parseHistoryCsv, readRunDirectory, RUN_FILES } from '../models';
import { checkWriteTarget } from '../out-paths';
import { EVALUATE_DEFAULTS } from '../defaults';
import { describeInferenceBatch, inferenceBatchSize } from '../models';
import type { LayersModel } from '@tensorflow/tfjs-node';
import type { HistoryRow, TlJson } from '../models';
import { writeEvaluationReport, evaluationSummary, refuseForeignReportFolder } from '../report';
import { checkThresholds, defaultTopK, evaluateModel } from '../evaluate';
import type { GateResult, Metrics, Thresholds } from '../evaluate';
import { frozenActivationBatches, frozenPartOf } from './frozen-part';

export interface EvaluateRunConfig {
  /** images per forward pass; undefined: chosen per model part from its largest activation */
  batchSize?: number;
  /** top-k accuracy to report; undefined = defaultTopK(number of classes) */
  topK?: number;
  /** how many most-confident mistakes to list */
  mistakes: number;
}

export function defaultEvaluateRunConfig(): EvaluateRunConfig {
  return { batchSize: undefined, topK: undefined, mistakes: EVALUATE_DEFAULTS.mistakes };
}

export interface EvaluateRunOptions extends Partial<EvaluateRunConfig> {
  /** run directory or model.json */
  model: string;
  /** a data spec (folder, manifest, built-in set); default: the run's saved test split */
  data?: string;
  /** which examples of --data to use; default 'all' (the saved split always uses 'test') */
  split?: SplitName | 'all';
  thresholds?: Thresholds;
  /** where the report files go; default <run dir>/evaluation; null writes no files */
  reportDir?: string | null;
  onProgress?: (e: { stage: 'load' | 'predict' | 'report'; done: number; total: number }) => void;
  /** files that could not be used (found at load or failing to decode), as they are found */
  onSkip?: (s: SkippedFile) => void;
  /** things worth a warning line, e.g. damaged activation-cache entries that were recomputed */
  onWarning?: (message: string) => void;
  /** details worth a line with --verbose (the inference batch sizes chosen) */
  onDetail?: (message: string) => void;
  /**
   * For a transfer run, read the frozen base's activations from the activation cache (and fill it)
   * and run only the trained top on them; false runs the whole model on every image. Default true.
   */
  cache?: boolean;
}

export interface EvaluateRunResult {
  metrics: Metrics;
  gate: GateResult;
  skipped: SkippedFile[];
  /** the evaluation.json object (also what --json prints) */
  summary: Record<string, unknown>;
  /** what was evaluated, for people */
  dataDescription: string;
  runDir: string;
  reportDir?: string;
  files: string[];
  seconds: number;
  /** Set when the frozen part's activations came through the activation cache (transfer runs). */
  frozenActivations?: { fromCache: number; computed: number; cutLayer: string };
  /** Set when a transfer run had to be evaluated whole on pixels though the cache was allowed: why. */
  cacheUnusable?: string;
}

const SPLIT_FILE_DEFAULT = 'split.json';

/** The run's split assignment: tl.json "split.assignmentFile" (default split.json) in the run dir. */
function readSplitAssignment(dir: string, tl: TlJson | undefined): SplitAssignmentJson {
  const name = tl?.split?.assignmentFile ?? SPLIT_FILE_DEFAULT;
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      `${dir} has no saved split (${name}), so there is no held-out test split to evaluate on`,
      'Pass --data <folder|manifest|built-in set> to evaluate on other data.',
    );
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SplitAssignmentJson;
  } catch (err) {
    throw new DataError(`${file} is not valid JSON (${(err as Error).message})`, 'Pass --data to evaluate on data instead of the saved split.');
  }
}

function readHistory(dir: string): HistoryRow[] | undefined {
  const file = path.join(dir, RUN_FILES.history);
  if (!fs.existsSync(file)) return undefined;
  return parseHistoryCsv(fs.readFileSync(file, 'utf8'), file);
}

export async function evaluateRun(opts: EvaluateRunOptions): Promise<EvaluateRunResult> {
  const started = Date.now();
  const d = defaultEvaluateRunConfig();
  const cfg: EvaluateRunConfig = { batchSize: opts.batchSize ?? d.batchSize, topK: opts.topK ?? d.topK, mistakes: opts.mistakes ?? d.mistakes };
  if (cfg.batchSize !== undefined && !(Number.isInteger(cfg.batchSize) && cfg.batchSize > 0)) throw new UsageError(`--batch-size must be a positive integer, got ${cfg.batchSize}`);
  if (cfg.topK !== undefined && !(Number.isInteger(cfg.topK) && cfg.topK >= 1)) throw new UsageError(`--top-k must be a whole number of at least 1, got ${cfg.topK}`);

  // Where the report goes is checked before any work (a path under /proc would hang the write).
  if (typeof opts.reportDir === 'string') {
    checkWriteTarget(opts.reportDir, { flag: '--report', writes: 'inside' });
    refuseForeignReportFolder(opts.reportDir);
  }
  opts.onProgress?.({ stage: 'load', done: 0, total: 2 });
  const run = await readRunDirectory(opts.model);
  try {
    if (opts.reportDir === undefined) checkWriteTarget(path.join(run.dir, EVALUATION_DIR), { flag: '--report', writes: 'inside' });
    return await evaluateLoadedRun(opts, cfg, run, started);
  } finally {
    run.model.dispose();
  }
}

type LoadedRun = Awaited<ReturnType<typeof readRunDirectory>>;

/** evaluateRun once the run is read, in run order: data, predictions, gate, report. */
async function evaluateLoadedRun(opts: EvaluateRunOptions, cfg: EvaluateRunConfig, run: LoadedRun, started: number): Promise<EvaluateRunResult> {
  const input: InputSpec = run.tl?.input ?? inferInput(run.model, opts.model);
  opts.onProgress?.({ stage: 'load', done: 1, total: 2 });
  const { ds, examples, dataDescription } = await evaluationData(opts, run);
  opts.onProgress?.({ stage: 'load', done: 2, total: 2 });

  const skipped: SkippedFile[] = [...ds.skipped];
  const predicted = await predictExamples(opts, cfg, run, { input, ds, examples, skipped });
  const { evaluation } = predicted;
  if (evaluation.metrics.count === 0) {
    throw new DataError(`none of the ${examples.length} images of ${dataDescription} could be decoded (first: ${skipped[0]?.id}: ${skipped[0]?.reason})`);
  }

  const gate = checkThresholds(evaluation.metrics, opts.thresholds ?? {});
  const summaryInput = {
    model: opts.model,
    data: dataDescription,
    dataSource: opts.data === undefined ? ('run-test-split' as const) : ('data-spec' as const),
    metrics: evaluation.metrics,
    gate,
    skipped,
    seconds: (Date.now() - started) / 1000,
    createdAt: new Date(),
  };
  const reportDir = opts.reportDir === null ? undefined : path.resolve(opts.reportDir ?? path.join(run.dir, EVALUATION_DIR));
  const files = reportDir
    ? await writeReport(opts, reportDir, {
        ...summaryInput,
        title: `Evaluation of ${path.basename(run.dir)}`,
        mistakeInputs: evaluation.mistakeInputs,
        preprocessing: input.preprocessing,
        history: readHistory(run.dir),
        runConfig: run.tl,
      })
    : [];
  return {
    metrics: evaluation.metrics,
    gate,
    skipped,
    summary: evaluationSummary(summaryInput),
    dataDescription,
    runDir: run.dir,
    reportDir,
    files,
    seconds: (Date.now() - started) / 1000,
    frozenActivations: predicted.frozenActivations,
    cacheUnusable: predicted.cacheUnusable,
  };
}

/** The images to evaluate on: the run's saved test split, or --data (all of it, or one --split). */
async function evaluationData(opts: EvaluateRunOptions, run: LoadedRun): Promise<{ ds: Dataset; examples: Example[]; dataDescription: string }> {
  let ds: Dataset;
  let examples: Example[];
  let dataDescription: string;
  if (opts.data === undefined) {
    if (opts.split !== undefined && opts.split !== 'test') {
      throw new UsageError(`--split ${opts.split} needs --data: without it, tl evaluates the run's held-out test split`);
    }
    ds = await datasetFromAssignment(readSplitAssignment(run.dir, run.tl));
    examples = examplesOf(ds, 'test');
    dataDescription = `the held-out test split of ${ds.spec} (seed ${ds.splitConfig.seed})`;
  } else {
    ds = await loadDataset(opts.data);
    const split = opts.split ?? 'all';
    examples = split === 'all' ? ds.examples : examplesOf(ds, split);
    dataDescription = split === 'all' ? `all of ${opts.data}` : `the ${split} split of ${opts.data}`;
  }
  for (const s of ds.skipped) opts.onSkip?.(s);
  if (examples.length === 0) {
    throw new DataError(`${dataDescription} has no images to evaluate on`, opts.data === undefined ? 'Pass --data to evaluate on other data.' : 'Check the --data path and --split.');
  }
  return { ds, examples, dataDescription };
}

/**
 * The model's predictions and metrics on `examples`. A transfer run's frozen part gives the same
 * activations it gave in training: they are read from the activation cache (a pass through the
 * base costs far more than the trained top) when the run allows; otherwise the whole model runs.
 * Undecodable images are appended to `skipped`.
 */
async function predictExamples(
  opts: EvaluateRunOptions,
  cfg: EvaluateRunConfig,
  run: LoadedRun,
  data: { input: InputSpec; ds: Dataset; examples: Example[]; skipped: SkippedFile[] },
): Promise<{ evaluation: Awaited<ReturnType<typeof evaluateModel>>; frozenActivations?: EvaluateRunResult['frozenActivations']; cacheUnusable?: string }> {
  const { input, examples } = data;
  const cacheable = opts.cache === false ? {} : frozenPartOf(run.model, run.tl);
  const frozen = cacheable.part;
  const batchFor = (model: LayersModel, what: string): number => {
    if (cfg.batchSize !== undefined) return cfg.batchSize;
    const chosen = inferenceBatchSize(model);
    opts.onDetail?.(`${what}: inference batch ${describeInferenceBatch(chosen)}`);
    return chosen.batchSize;
  };
  const pixelBatchSize = batchFor(frozen ? frozen.lower : run.model, frozen ? 'the frozen part' : 'the model');
  const pixelBatches = (of: Example[]) =>
    batches(of, input, {
      batchSize: pixelBatchSize,
      onSkip: (s) => {
        data.skipped.push(s);
        opts.onSkip?.(s);
      },
    });
  const shared = {
    modelLabels: run.labels,
    datasetClasses: data.ds.classes,
    dataName: opts.data === undefined ? 'the saved split' : `--data ${opts.data}`,
    input,
    metrics: { topK: cfg.topK ?? defaultTopK(run.labels.length), mistakes: cfg.mistakes },
  };
  if (!frozen) {
    const evaluation = await evaluateModel({
      ...shared,
      model: run.model,
      batches: pixelBatches(examples),
      onProgress: (e) => opts.onProgress?.({ stage: 'predict', done: e.done, total: examples.length }),
    });
    return { evaluation, cacheUnusable: cacheable.reason };
  }
  const acts = await frozenActivationBatches(frozen, examples, pixelBatches, {
    batchSize: batchFor(frozen.upper, 'the trained top'),
    onProgress: (done, total) => opts.onProgress?.({ stage: 'predict', done, total }),
    onWarning: opts.onWarning,
  });
  const byId = new Map(examples.map((e) => [e.id, e]));
  const evaluation = await evaluateModel({
    ...shared,
    model: frozen.upper,
    batches: acts.batches,
    features: {
      inputShape: run.model.inputs[0].shape,
      // Thumbnails of the listed mistakes need their pixels: decode just those.
      pixelsOf: async (ids) => {
        const per = input.height * input.width * input.channels;
        const out = new Map<string, Float32Array>();
        const wanted = ids.map((id) => byId.get(id)).filter((e): e is Example => e !== undefined);
        for await (const b of batches(wanted, input, { batchSize: pixelBatchSize })) {
          b.ids.forEach((id, i) => out.set(id, b.x.slice(i * per, (i + 1) * per)));
        }
        return out;
      },
    },
  });
  return { evaluation, frozenActivations: { fromCache: acts.fromCache, computed: acts.computed, cutLayer: frozen.key.cutLayer } };
}

/** The report files (report.html, metrics.json, charts) in `reportDir`; a write failure names the folder. */
async function writeReport(opts: EvaluateRunOptions, reportDir: string, report: Parameters<typeof writeEvaluationReport>[1]): Promise<string[]> {
  opts.onProgress?.({ stage: 'report', done: 0, total: 1 });
  let files: string[];
  try {
    files = await writeEvaluationReport(reportDir, report);
  } catch (err) {
    if (err instanceof ModelError) throw err; // a damaged history.csv names itself
    throw new UsageError(`could not write the report into ${reportDir}: ${(err as Error).message}`, 'Choose a writable --report folder.');
  }
  opts.onProgress?.({ stage: 'report', done: 1, total: 1 });
  return files;
}
