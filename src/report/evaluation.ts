// The files `tl evaluate` leaves behind: evaluation.json, confusion-matrix.csv, two PNG charts
// and report.html, built in memory and then written atomically into one folder.
import * as fs from 'fs';
import { UsageError } from '../errors';
import type { GateResult, Metrics, ModelInputImage } from '../evaluate';
import type { Preprocessing } from '../data/types';
import { learningCurvesPng, HistoryPoint } from './charts';
import { confusionMatrixPng, perClassF1Png } from './class-charts';
import { confusionMatrixCsv, writeFilesAtomic } from './files';
import { buildReportHtml } from './html';
import { thumbnailDataUri } from './thumbnails';

export const EVALUATION_FILES = {
  json: 'evaluation.json',
  confusionCsv: 'confusion-matrix.csv',
  confusionPng: 'confusion-matrix.png',
  f1Png: 'per-class-f1.png',
  html: 'report.html',
} as const;

export interface EvaluationSummaryInput {
  /** model path as given (run dir or model.json) */
  model: string;
  /** what was evaluated, for people */
  data: string;
  /** 'run-test-split' when the run's own held-out test split was used */
  dataSource: 'run-test-split' | 'data-spec';
  metrics: Metrics;
  gate: GateResult;
  skipped: { id: string; reason: string }[];
  seconds: number;
  createdAt: Date;
}

/**
 * The one JSON object of an evaluation: evaluation.json and `tl evaluate --json` print the same
 * thing. Top-level keys include accuracy, perClass, confusionMatrix and passed.
 */
export function evaluationSummary(s: EvaluationSummaryInput): Record<string, unknown> {
  const m = s.metrics;
  return {
    model: s.model,
    data: s.data,
    dataSource: s.dataSource,
    createdAt: s.createdAt.toISOString(),
    count: m.count,
    labels: m.labels,
    accuracy: m.accuracy,
    loss: m.loss,
    topK: m.topK ?? null,
    macro: m.macro,
    weighted: m.weighted,
    perClass: m.perClass,
    confusionMatrix: m.confusionMatrix,
    calibration: { ece: m.calibration.ece, bins: m.calibration.bins },
    mistakes: m.mistakes,
    skipped: s.skipped,
    thresholds: s.gate.checks,
    passed: s.gate.passed,
    seconds: s.seconds,
  };
}

export interface EvaluationReportInput extends EvaluationSummaryInput {
  title: string;
  mistakeInputs: ModelInputImage[];
  preprocessing: Preprocessing;
  history?: readonly HistoryPoint[];
  /** tl.json of the run, shown in the report */
  runConfig?: unknown;
}

/** Renders every file in memory (charts, thumbnails, HTML); nothing is written yet. */
export async function buildEvaluationFiles(input: EvaluationReportInput): Promise<Record<string, Buffer | string>> {
  const m = input.metrics;
  const confusion = await confusionMatrixPng(m.labels, m.confusionMatrix);
  const f1 = await perClassF1Png(m.perClass);
  const curves = input.history && input.history.length > 0 ? await learningCurvesPng(input.history) : undefined;
  const thumbs: (string | undefined)[] = [];
  for (const img of input.mistakeInputs) thumbs.push(await thumbnailDataUri(img, input.preprocessing).catch(() => undefined));
  const html = buildReportHtml({
    title: input.title,
    model: input.model,
    data: input.data,
    createdAt: input.createdAt,
    metrics: m,
    gate: input.gate,
    skipped: input.skipped,
    images: { confusionMatrix: confusion, perClassF1: f1, learningCurves: curves },
    mistakeThumbnails: thumbs,
    runConfig: input.runConfig,
  });
  return {
    [EVALUATION_FILES.json]: JSON.stringify(evaluationSummary(input), null, 2) + '\n',
    [EVALUATION_FILES.confusionCsv]: confusionMatrixCsv(m.labels, m.confusionMatrix),
    [EVALUATION_FILES.confusionPng]: confusion,
    [EVALUATION_FILES.f1Png]: f1,
    [EVALUATION_FILES.html]: html,
  };
}

/** Builds and writes the evaluation files into `dir`; returns the paths written. */
export async function writeEvaluationReport(dir: string, input: EvaluationReportInput): Promise<string[]> {
  return writeFilesAtomic(dir, await buildEvaluationFiles(input));
}

/**
 * The report replaces its own files in place, so --report may name a new folder, an empty one, or
 * an earlier report: never a folder of other files, whose same-named files it would overwrite.
 */
export function refuseForeignReportFolder(dir: string): void {
  const names = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir) : [];
  const own = new Set<string>(Object.values(EVALUATION_FILES));
  const foreign = names.filter((n) => !own.has(n) && !n.startsWith('.'));
  if (foreign.length > 0) {
    throw new UsageError(
      `--report ${dir} already holds files tl did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''})`,
      'Give --report a new or empty folder (or an earlier report folder), so nothing of yours is overwritten.',
    );
  }
}
