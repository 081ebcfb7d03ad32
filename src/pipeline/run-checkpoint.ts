// A run's checkpoint beside --out (written after every epoch, read by --resume, removed once
// the run directory is in place) and the options a resumed run must match.
import * as fs from 'fs';
import * as path from 'path';
import { readCheckpoint, writeCheckpoint, type TrainCheckpoint } from '../train';
import { InterruptedError, UsageError } from '../errors';

/** Where an interrupted run keeps its checkpoint: beside --out, never inside it. */
export function checkpointPath(out: string): string {
  return `${path.resolve(out)}.checkpoint/train.ckpt`;
}

/** The checkpoint of the run writing `out`, from --resume to the finished run directory. */
export interface RunCheckpoint {
  /** train.ckpt beside --out (see checkpointPath). */
  readonly file: string;
  /** The checkpoint --resume continues from (null without --resume); a missing one is a usage error. */
  toResume(resume: boolean): Promise<TrainCheckpoint | null>;
  /** The runPhases hook that stores each epoch's checkpoint. */
  write(ckpt: TrainCheckpoint): Promise<void>;
  /** Removes the checkpoint once the run directory is in place. */
  remove(): void;
  /** The error an interrupted run ends with; `command` is 'pretraining' or 'transfer'. */
  interrupted(command: string): InterruptedError;
  /**
   * A `.catch` handler for work outside the training loop (decoding images, computing base
   * activations, before the first epoch or for the final measurement): rethrows that work's
   * InterruptedError as the run's, saying whether a checkpoint exists to resume from; any other
   * error passes through unchanged.
   */
  stoppedOutsideTraining(command: string): (err: unknown) => never;
}

export function runCheckpoint(out: string): RunCheckpoint {
  const file = checkpointPath(out);
  return {
    file,
    async toResume(resume) {
      if (!resume) return null;
      if (!fs.existsSync(file)) throw new UsageError(`--resume: no checkpoint at ${file}`, `Run without --resume, or point --out at the interrupted run's directory.`);
      return readCheckpoint(file);
    },
    async write(ckpt) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await writeCheckpoint(file, ckpt);
    },
    remove() {
      // Only the checkpoint and its temporary siblings: the folder goes only when nothing else is in it.
      const dir = path.dirname(file);
      const own = (name: string) => name === path.basename(file) || (name.startsWith(`.${path.basename(file)}.`) && name.endsWith('.tmp'));
      for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) if (own(name)) fs.rmSync(path.join(dir, name), { force: true });
      try {
        fs.rmdirSync(dir);
      } catch {
        // not empty (files the user put there) or already gone: leave it
      }
    },
    interrupted(command) {
      return new InterruptedError(`${command} interrupted; checkpoint written to ${file}`, 'Continue with the same command plus --resume.');
    },
    stoppedOutsideTraining(command) {
      return (cause) => {
        if (!(cause instanceof InterruptedError)) throw cause;
        if (fs.existsSync(file)) {
          throw new InterruptedError(`${command} ${cause.message}; the checkpoint of the last finished epoch is at ${file}`, 'Continue with the same command plus --resume.');
        }
        throw new InterruptedError(`${command} ${cause.message}; no epoch had finished, so there is no checkpoint`, `Run the same command again, without --resume.${cause.hint ? ' ' + cause.hint : ''}`);
      };
    },
  };
}

/**
 * Options that steer how a run is carried out, not what it computes: a resumed run may differ
 * in them, so they stay out of the checkpoint's run key.
 */
const RUN_CONTROL_OPTIONS: ReadonlySet<string> = new Set(['out', 'resume', 'overwrite', 'tensorboard']);

/** The options that decide a run's result: what a checkpoint must match to be resumed. */
export function resultOptions(opts: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(opts).filter(([key]) => !RUN_CONTROL_OPTIONS.has(key)));
}
