// Reading what `tl compare` puts side by side: a tl run directory (tl.json, metrics.json,
// history.csv) or a `tl run` run folder (run.json beside its model/ run directory).
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../errors';
import { parseHistoryCsv, RUN_FILES } from '../models';
import type { HistoryPoint } from '../report/charts';
import { MODEL_DIR, readRecord } from './runner';

export interface CompareRun {
  name: string;
  dir: string;
  /** flattened settings, e.g. "head.dropout" -> 0.5 */
  config: Record<string, unknown>;
  metrics: Record<string, number | undefined>;
  history: HistoryPoint[];
  perClass?: { label: string; recall: number }[];
}

/** Settings that differ between any two runs by construction, so they say nothing. */
const NOISE_KEYS = new Set(['out', 'overwrite', 'resume', 'autoBudget', 'tensorboard']);

function flatten(value: unknown, prefix: string, into: Record<string, unknown>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (!NOISE_KEYS.has(k)) flatten(v, prefix ? `${prefix}.${k}` : k, into);
  } else into[prefix] = Array.isArray(value) ? value.join(',') : value;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Reads one run for comparison; `dir` is a tl run directory or a `tl run` run folder. */
export function readCompareRun(dir: string): CompareRun {
  const record = readRecord(dir);
  const modelDir = fs.existsSync(path.join(dir, MODEL_DIR, RUN_FILES.tl)) ? path.join(dir, MODEL_DIR) : dir;
  const tl = readJson(path.join(modelDir, RUN_FILES.tl));
  if (!tl && !record) throw new UsageError(`${dir} is neither a tl run directory (no ${RUN_FILES.tl}) nor a tl run folder (no run.json)`, 'Give folders written by tl pretrain, tl transfer or tl run.');
  const config: Record<string, unknown> = {};
  if (tl) {
    config.kind = tl.kind;
    if (typeof tl.base === 'string') config.base = tl.base;
    flatten(tl.config, '', config);
  } else if (record) flatten(record.options, '', config);
  const m = readJson(path.join(modelDir, RUN_FILES.metrics)) ?? {};
  const f = record?.figures;
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const metrics = {
    valAccuracy: num(m.valAccuracy) ?? f?.valAccuracy,
    valLoss: num(m.valLoss) ?? f?.valLoss,
    testAccuracy: num(m.testAccuracy) ?? f?.accuracy,
    testLoss: num(m.testLoss) ?? f?.loss,
    macroF1: f?.macroF1,
    minClassRecall: f?.minClassRecall,
  };
  const historyFile = path.join(modelDir, RUN_FILES.history);
  const history = fs.existsSync(historyFile) ? parseHistoryCsv(fs.readFileSync(historyFile, 'utf8'), historyFile) : [];
  const name = record ? `${record.experiment}${record.label ? ` ${record.label}` : ''}` : path.basename(path.resolve(dir));
  return { name, dir, config, metrics, history, perClass: f?.perClass.map((p) => ({ label: p.label, recall: p.recall })) };
}

/** The settings whose values are not the same in every run (key order of the first run that has them). */
export function configDifferences(runs: CompareRun[]): string[] {
  const keys: string[] = [];
  for (const r of runs) for (const k of Object.keys(r.config)) if (!keys.includes(k)) keys.push(k);
  return keys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.config[k] ?? null))).size > 1);
}
