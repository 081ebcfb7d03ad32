// Running planned runs N at a time on one machine: a run starts once the runs it builds on have
// finished, each in a process the caller starts (so each has its own TensorFlow and thread pool).
// The scheduler only orders; the child writes run.json, which is read back here.
import * as path from 'path';
import { ExitCode } from '../errors';
import type { PlannedRun } from './expand';
import type { RunRecord } from './results';
import { readRecord } from './runner';

export interface ParallelOptions {
  out: string;
  runs: PlannedRun[];
  needed?: PlannedRun[];
  jobs: number;
  force: boolean;
  failFast: boolean;
  /** Runs one planned run in its own process; resolves when that process has exited. */
  start: (run: PlannedRun) => Promise<void>;
  onFinished?: (record: RunRecord, position: number, total: number, reused: boolean) => void;
}

/** Threads each of `jobs` processes may use on a machine with `cores` cores (at least 1). */
export function threadsPerJob(cores: number, jobs: number): number {
  return Math.max(1, Math.floor(cores / jobs));
}

function lostRecord(run: PlannedRun, message: string): RunRecord {
  const { id, experiment, step, label, dir, options, matrix, refs } = run;
  return { id, experiment, step, label, dir, options, matrix, refs, status: 'crashed', seconds: 0, error: { message, exitCode: ExitCode.internal } };
}

/** Runs everything with at most `jobs` processes at once; returns the records of `runs` in file order. */
export async function runParallel(o: ParallelOptions): Promise<RunRecord[]> {
  const all = [...o.runs, ...(o.needed ?? [])].sort((a, b) => a.index - b.index);
  const done = new Map<string, RunRecord>();
  let finished = 0;
  const finish = (record: RunRecord, reused: boolean) => {
    done.set(record.id, record);
    o.onFinished?.(record, ++finished, all.length, reused);
  };
  for (const run of all) {
    const rec = o.force ? undefined : readRecord(path.join(o.out, run.dir));
    if (rec?.status === 'ok' && rec.id === run.id) finish(rec, true);
  }
  const waiting = all.filter((r) => !done.has(r.id));
  const running = new Map<string, Promise<void>>();
  let stop = false;
  while ((waiting.length > 0 && !stop) || running.size > 0) {
    // Runs whose dependencies ended: start them (a crashed dependency ends them too, unrun).
    for (let i = 0; i < waiting.length && running.size < o.jobs && !stop; ) {
      const run = waiting[i];
      const deps = Object.values(run.refs).map((id) => done.get(id));
      if (deps.some((d) => d === undefined)) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      const crashedDep = deps.find((d) => d!.status !== 'ok');
      if (crashedDep) {
        finish(lostRecord(run, `not run: it builds on run ${crashedDep.id}, which crashed`), false);
        continue;
      }
      const p = o.start(run).then(() => {
        running.delete(run.id);
        const rec = readRecord(path.join(o.out, run.dir));
        const record = rec && rec.id === run.id ? rec : lostRecord(run, 'its process ended without writing run.json (killed?)');
        finish(record, false);
        if (record.status === 'crashed' && o.failFast) stop = true;
      });
      running.set(run.id, p);
    }
    if (running.size === 0) {
      if (waiting.length > 0 && !stop) throw new Error('tl run --jobs: runs wait on runs that are not planned (a bug)');
      break;
    }
    await Promise.race(running.values());
  }
  const ids = new Set(o.runs.map((r) => r.id));
  return o.runs.filter((r) => ids.has(r.id) && done.has(r.id)).map((r) => done.get(r.id)!);
}
