// Claiming a run's --out before any work: the paths the run will write are checked, the run
// takes the lock on --out (which covers its checkpoint beside it), leftovers of killed runs in
// that folder are cleaned, and an existing --out is refused unless --overwrite may replace it.
import * as fs from 'fs';
import * as path from 'path';
import { parseDataSpec } from '../data';
import { UsageError } from '../errors';
import { describeOwner, tryLock } from '../lock';
import { checkOutDir } from '../models';
import { checkWriteTarget, cleanStaleTemps } from '../out-paths';
import type { PipelineListener } from './events';

export interface RunOutputOptions {
  out: string;
  overwrite: boolean;
  resume: boolean;
  /** The --data spec: a path on disk is protected from --overwrite. */
  data: string;
  tensorboard?: string;
}

export interface RunOutput {
  /** The --data path(s) a replaced --out must not be or contain. */
  readonly dataPaths: string[];
  /** Gives up the lock on --out; call on every way out of the run. */
  release(): void;
}

/** The lock file of a run writing `out` (resolved, links resolved): beside it, like its checkpoint. */
export function runLockPath(realOut: string): string {
  return `${realOut}.lock`;
}

function dataPathsOf(spec: string): string[] {
  const s = parseDataSpec(spec);
  return s.kind === 'path' && fs.existsSync(s.path) ? [path.resolve(s.path)] : [];
}

/** Refuses a run that would train no epoch at all and save an untrained model. */
export function refuseUntrained(epochFlags: [flag: string, value: number | 'auto'][]): void {
  if (epochFlags.some(([, v]) => v !== 0)) return;
  throw new UsageError(
    `${epochFlags.map(([f]) => `${f} 0`).join(' ')} trains nothing: the run would save an untrained model`,
    `Give at least one epoch (${epochFlags[0][0]} auto picks a budget from the data).`,
  );
}

/** See the file header. Throws UsageError (exit 2) for every path or lock problem; creates only --out's parent. */
export function claimRunOutput(opts: RunOutputOptions, onEvent?: PipelineListener): RunOutput {
  const real = checkWriteTarget(opts.out, { flag: '--out', writes: 'sibling' });
  const checkpointDir = `${path.resolve(opts.out)}.checkpoint`;
  if (fs.statSync(checkpointDir, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new UsageError(`${checkpointDir}, where this run keeps its checkpoint, is a file`, 'Move that file away, or choose another --out.');
  }
  if (opts.tensorboard !== undefined) checkWriteTarget(opts.tensorboard, { flag: '--tensorboard', writes: 'inside' });
  const dataPaths = dataPathsOf(opts.data);

  fs.mkdirSync(path.dirname(real), { recursive: true });
  const lockFile = runLockPath(real);
  const attempt = tryLock(lockFile);
  if (!attempt.held) {
    throw new UsageError(
      `--out ${opts.out} is in use by another tl run (${describeOwner(attempt.owner)})`,
      `Wait for that run to end, or choose another --out. If no tl run is writing there, delete ${lockFile}.`,
    );
  }
  try {
    const cleaned = cleanStaleTemps(path.dirname(real));
    for (const dir of cleaned.restored) onEvent?.({ type: 'warning', message: `put back ${dir}: a run killed while replacing it had moved it aside` });
    for (const dir of cleaned.removed) onEvent?.({ type: 'warning', message: `removed ${dir}, left by a killed run` });
    checkOutDir(opts.out, opts.overwrite || opts.resume, dataPaths);
  } catch (err) {
    attempt.held.release();
    throw err;
  }
  return { dataPaths, release: () => attempt.held.release() };
}

/** Runs `run` with --out claimed (see claimRunOutput), releasing it however `run` ends. */
export async function withClaimedOutput<T>(opts: RunOutputOptions, onEvent: PipelineListener | undefined, run: (dataPaths: string[]) => Promise<T>): Promise<T> {
  const output = claimRunOutput(opts, onEvent);
  try {
    return await run(output.dataPaths);
  } finally {
    output.release();
  }
}
