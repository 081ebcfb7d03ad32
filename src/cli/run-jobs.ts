// How `tl run` executes its runs: here, one after the other (default), or with --jobs N in N child
// processes (`tl run FILE --only ID`), each told to use 1/N of the cores so the machine is not
// oversubscribed. Progress: one line per run; on a terminal also the current run's bars.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import type { Output } from './output';
import type { PlannedRun, RunRecord } from '../experiments';

export interface Batch {
  file: string;
  outDir: string;
  own: PlannedRun[];
  needed: PlannedRun[];
  force: boolean;
  failFast: boolean;
  out: Output;
  render: (record: RunRecord, position: number, total: number, reused: boolean) => void;
}

/** The runs in this process, in file order. */
export async function runHere(b: Batch): Promise<RunRecord[]> {
  const ex = await import('../experiments');
  const { stepExecutor } = await import('./experiment-steps');
  const { requireTf } = await import('./native');
  await requireTf(b.out);
  const { trainingRenderer, interruptFlag } = await import('./training-render');
  const interrupt = interruptFlag();
  try {
    return await ex.runBatch({
      out: b.outDir,
      runs: b.own,
      needed: b.needed,
      force: b.force,
      failFast: b.failFast,
      execute: stepExecutor({ onEvent: b.out.liveBars || b.out.verbose ? trainingRenderer(b.out) : undefined, shouldStop: interrupt.stopped, onWarning: (m) => b.out.warn(m) }),
      onEvent: (e) => {
        if (e.type === 'start') {
          if (b.out.liveBars) process.stderr.write(`${overallBar(e.position - 1, e.total)} ${b.out.c.bold(`Run ${e.position}/${e.total}`)}: ${e.run.step} ${e.run.experiment}${e.run.label ? ` [${e.run.label}]` : ''}\n`);
        } else b.render(e.record, e.position, e.total, e.reused);
      },
    });
  } finally {
    interrupt.dispose();
  }
}

/** "[████░░░░░░░░]": runs done out of all, drawn above the current run's own bars on a terminal. */
export function overallBar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'\u2588'.repeat(filled)}${'\u2591'.repeat(width - filled)}]`;
}

/** TensorFlow and oneDNN read their pool sizes from these when they load. */
function threadEnv(threads: number): NodeJS.ProcessEnv {
  const n = String(threads);
  return { ...process.env, TF_NUM_INTRAOP_THREADS: n, TF_NUM_INTEROP_THREADS: '1', OMP_NUM_THREADS: n };
}

/** Up to `jobs` runs at once, each `tl run FILE --only ID` with its output in <run folder>/tl-run.log. */
export async function runInProcesses(b: Batch, jobs: number): Promise<RunRecord[]> {
  const ex = await import('../experiments');
  const threads = ex.threadsPerJob(os.cpus().length, jobs);
  b.out.info(`Running up to ${jobs} runs at once, ${threads} thread${threads === 1 ? '' : 's'} each; each run's log is <run folder>/tl-run.log`);
  const start = (run: PlannedRun) =>
    new Promise<void>((resolve) => {
      const runDir = path.join(b.outDir, run.dir);
      fs.mkdirSync(runDir, { recursive: true });
      const log = fs.openSync(path.join(runDir, 'tl-run.log'), 'w');
      const args = [process.argv[1], 'run', b.file, '--out', b.outDir, '--only', run.id, ...(b.force ? ['--force'] : [])];
      const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], env: threadEnv(threads) });
      const done = () => {
        fs.closeSync(log);
        resolve();
      };
      child.on('exit', done);
      child.on('error', done);
    });
  return ex.runParallel({ out: b.outDir, runs: b.own, needed: b.needed, jobs, force: b.force, failFast: b.failFast, start, onFinished: b.render });
}
