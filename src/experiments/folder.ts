// The results folder on disk: writing its four summary files, and merging the results folders of
// several shards into one (rows ordered as in the file, gates judged with the file's gates).
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../errors';
import { writeFilesAtomic } from '../report/files';
import type { PlannedRun } from './expand';
import { junitXml, resultRow, resultsCsv, resultsJson, summaryMarkdown, type ResultRow, type RunRecord } from './results';

export const RESULT_FILES = { json: 'results.json', csv: 'results.csv', summary: 'summary.md', junit: 'junit.xml' } as const;

/** Rows for `records`, each judged against the gates its planned run carries now. */
export function rowsFor(records: RunRecord[], plan: PlannedRun[]): ResultRow[] {
  const gates = new Map(plan.map((r) => [r.id, r.gates]));
  return records.map((rec) => resultRow(rec, gates.get(rec.id) ?? {}));
}

/** experiment -> its baseline experiment, from the plan. */
export function baselinesOf(plan: PlannedRun[]): Record<string, string> {
  return Object.fromEntries(plan.filter((r) => r.baseline !== undefined).map((r) => [r.experiment, r.baseline!]));
}

export async function writeResultsFolder(out: string, title: string, rows: ResultRow[], baselines: Record<string, string> = {}): Promise<string[]> {
  return writeFilesAtomic(out, {
    [RESULT_FILES.json]: resultsJson(title, rows, baselines),
    [RESULT_FILES.csv]: resultsCsv(rows),
    [RESULT_FILES.summary]: summaryMarkdown(title, rows, baselines),
    [RESULT_FILES.junit]: junitXml(title, rows),
  });
}

export function readResultsFolder(dir: string): RunRecord[] {
  const file = path.join(dir, RESULT_FILES.json);
  let parsed: { runs?: RunRecord[] };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--merge: cannot read ${file} (${(err as Error).message})`, 'Name results folders written by `tl run` (each holds results.json).');
  }
  if (!Array.isArray(parsed.runs)) throw new UsageError(`--merge: ${file} has no "runs" list`, 'Name results folders written by `tl run`.');
  return parsed.runs;
}

/**
 * One record per planned run found in any of the folders, in file order. Runs of the folders that
 * the file does not plan (another file, or an edited one) are returned apart; the first folder
 * naming an id wins.
 */
export function mergeRecords(plan: PlannedRun[], folders: RunRecord[][]): { records: RunRecord[]; unplanned: RunRecord[]; missing: PlannedRun[] } {
  const byId = new Map<string, RunRecord>();
  for (const list of folders) for (const r of list) if (!byId.has(r.id)) byId.set(r.id, r);
  const planned = new Set(plan.map((r) => r.id));
  return {
    records: plan.filter((r) => byId.has(r.id)).map((r) => byId.get(r.id)!),
    unplanned: [...byId.values()].filter((r) => !planned.has(r.id)),
    missing: plan.filter((r) => !byId.has(r.id)),
  };
}
