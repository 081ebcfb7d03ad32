// Running planned runs in order: a run whose folder already holds a finished run.json is reused
// (unless `force`), every other one goes to the caller's executor (which calls the pipeline), and
// a crash is recorded and the batch goes on (or stops with failFast). Reports through events.
import * as fs from 'fs';
import * as path from 'path';
import { ExitCode, TlError } from '../errors';
import { writeFilesAtomic } from '../report/files';
import type { RunFigures } from './gates';
import type { PlannedRun } from './expand';
import type { RunRecord } from './results';

export const RUN_RECORD = 'run.json';
/** The pipeline's run directory inside a run's folder (its model.json etc.). */
export const MODEL_DIR = 'model';

export interface ExecuteContext {
  /** the run's folder in the results folder */
  runDir: string;
  /** where pretrain/transfer write the model: <runDir>/model */
  modelDir: string;
  /** option ('base', 'model') -> model folder of the earlier run it names */
  refDirs: Record<string, string>;
  force: boolean;
}

export type StepExecutor = (run: PlannedRun, ctx: ExecuteContext) => Promise<RunFigures>;

export type RunnerEvent =
  | { type: 'start'; run: PlannedRun; position: number; total: number; dependency: boolean }
  | { type: 'finished'; record: RunRecord; position: number; total: number; reused: boolean; dependency: boolean };

export interface RunBatchOptions {
  out: string;
  /** the runs to report, and earlier runs they need (run, not reported) */
  runs: PlannedRun[];
  needed?: PlannedRun[];
  force: boolean;
  failFast: boolean;
  execute: StepExecutor;
  onEvent?: (e: RunnerEvent) => void;
}

export function readRecord(runDir: string): RunRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, RUN_RECORD), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

function recordOf(run: PlannedRun, status: RunRecord['status'], seconds: number, figures?: RunFigures, error?: unknown): RunRecord {
  const base: RunRecord = { id: run.id, experiment: run.experiment, step: run.step, label: run.label, dir: run.dir, options: run.options, matrix: run.matrix, refs: run.refs, status, seconds };
  if (figures) base.figures = figures;
  if (error !== undefined) {
    const e = error as Partial<TlError>;
    base.error = { message: e?.message ?? String(error), hint: e?.hint, exitCode: error instanceof TlError ? error.exitCode : ExitCode.internal };
  }
  return base;
}

/** Runs `runs` (and `needed`) in file order; returns the records of `runs` (all of them unless failFast stopped early). */
export async function runBatch(o: RunBatchOptions): Promise<RunRecord[]> {
  const reported = new Set(o.runs.map((r) => r.id));
  const all = [...o.runs, ...(o.needed ?? [])].sort((a, b) => a.index - b.index);
  const done = new Map<string, RunRecord>();
  const records: RunRecord[] = [];
  for (const [i, run] of all.entries()) {
    const dependency = !reported.has(run.id);
    const runDir = path.join(o.out, run.dir);
    const position = i + 1;
    // --force reruns the reported runs; the earlier runs they need are reused when finished.
    const previous = o.force && !dependency ? undefined : readRecord(runDir);
    let record: RunRecord;
    if (previous?.status === 'ok' && previous.id === run.id) {
      record = previous;
      o.onEvent?.({ type: 'finished', record, position, total: all.length, reused: true, dependency });
    } else {
      o.onEvent?.({ type: 'start', run, position, total: all.length, dependency });
      record = await executeOne(run, runDir, done, o);
      await writeFilesAtomic(runDir, { [RUN_RECORD]: JSON.stringify(record, null, 2) + '\n' });
      o.onEvent?.({ type: 'finished', record, position, total: all.length, reused: false, dependency });
    }
    done.set(run.id, record);
    if (!dependency) records.push(record);
    if (record.status === 'crashed' && o.failFast) break;
  }
  return records;
}

async function executeOne(run: PlannedRun, runDir: string, done: Map<string, RunRecord>, o: RunBatchOptions): Promise<RunRecord> {
  const t0 = Date.now();
  const refDirs: Record<string, string> = {};
  for (const [key, id] of Object.entries(run.refs)) {
    const dep = done.get(id);
    if (!dep || dep.status !== 'ok') {
      return recordOf(run, 'crashed', 0, undefined, new TlError(`not run: ${key} names run ${id} of "${run.options[key]}", which ${dep ? 'crashed' : 'did not run'}`, ExitCode.usage));
    }
    refDirs[key] = path.join(o.out, dep.dir, MODEL_DIR);
  }
  try {
    fs.mkdirSync(runDir, { recursive: true });
    const figures = await o.execute(run, { runDir, modelDir: path.join(runDir, MODEL_DIR), refDirs, force: o.force });
    return recordOf(run, 'ok', (Date.now() - t0) / 1000, figures);
  } catch (err) {
    // Ctrl-C stops the whole batch: the run keeps its checkpoint and resumes on the next `tl run`.
    if (err instanceof TlError && err.exitCode === ExitCode.interrupted) throw err;
    return recordOf(run, 'crashed', (Date.now() - t0) / 1000, undefined, err);
  }
}
