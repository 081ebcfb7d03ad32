// Pieces pretrain and transfer share: the tl version, loading data with events, the run's
// checkpoint and run key, the learning-curve plot (a plot failure never costs the trained model)
// and the images the saved model is checked on.
import * as fs from 'fs';
import * as path from 'path';
import { examplesOf, loadDataset, writeSplitAssignment, Dataset, DataOptions, InputSpec } from '../data';
import type { TlSplitInfo } from '../models';
import { evaluateChain, readCheckpoint, writeCheckpoint, Feed, HistoryRow, TrainableChain, TrainCheckpoint } from '../train';
import { InterruptedError, UsageError } from '../errors';
import type { PipelineListener } from './events';
import { decodeToMemory } from './feeds';

export { TL_VERSION } from '../version';

export async function loadDataWithEvents(spec: string, opts: DataOptions, onEvent?: PipelineListener): Promise<Dataset> {
  onEvent?.({ type: 'stage', message: `Reading data ${spec}` });
  const ds = await loadDataset(spec, {
    ...opts,
    onProgress: (e) => onEvent?.({ type: 'progress', stage: 'Checking images', done: e.done, total: e.total }),
  });
  for (const s of ds.skipped) onEvent?.({ type: 'skip', file: s });
  return ds;
}

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

/** Learning-curve PNG, or undefined with a warning when rendering fails. */
export async function learningCurveFile(history: HistoryRow[], onEvent?: PipelineListener): Promise<Buffer | undefined> {
  if (history.length === 0) return undefined;
  try {
    const { learningCurvesPng } = await import('../report');
    return await learningCurvesPng(history);
  } catch (e) {
    onEvent?.({ type: 'warning', message: `learning-curve plot not written: ${(e as Error).message}` });
    return undefined;
  }
}

/** Counts per split, for the summary. */
export function splitCounts(ds: Dataset): Record<'train' | 'val' | 'test', number> {
  const c = { train: 0, val: 0, test: 0 };
  for (const e of ds.examples) c[e.split]++;
  return c;
}

/** Final figures of a run, measured on the finished model. */
export interface RunMetrics {
  valAccuracy: number;
  valLoss: number;
  testAccuracy?: number;
  testLoss?: number;
  testCount: number;
  trainCount: number;
  valCount: number;
}

/** Validation (and test, when there is a test feed) loss and accuracy of the finished model, given as a chain (optional upper part, head) over its feeds. */
export async function measureChain(chain: TrainableChain, val: Feed, test: Feed | undefined, batchSize: number, trainCount: number): Promise<RunMetrics> {
  const valEval = await evaluateChain(chain, val, batchSize);
  const testEval = test ? await evaluateChain(chain, test, batchSize) : undefined;
  return {
    valAccuracy: valEval.accuracy,
    valLoss: valEval.loss,
    testAccuracy: testEval?.accuracy,
    testLoss: testEval?.loss,
    testCount: testEval?.count ?? 0,
    trainCount,
    valCount: valEval.count,
  };
}

/** The split record for tl.json and the files that go beside the model (split, learning curves). */
export async function runRecords(
  ds: Dataset,
  opts: { data: string; seed: number; valSplit: number; testSplit: number; limitPerClass?: number },
  history: HistoryRow[],
  onEvent?: PipelineListener,
): Promise<{ split: TlSplitInfo; extraFiles: Record<string, Buffer | string> }> {
  const extraFiles: Record<string, Buffer | string> = { 'split.json': JSON.stringify(writeSplitAssignment(ds)) };
  const curves = await learningCurveFile(history, onEvent);
  if (curves) extraFiles['learning-curves.png'] = curves;
  const split: TlSplitInfo = {
    spec: opts.data,
    seed: opts.seed,
    valSplit: opts.valSplit,
    testSplit: opts.testSplit,
    limitPerClass: opts.limitPerClass,
    presplit: ds.splitConfig.presplit,
    assignmentFile: 'split.json',
  };
  return { split, extraFiles };
}

/** Drops keys whose value is undefined, so they do not override defaults in a spread. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Images the saved model is read back and checked on: enough to catch a wrong layer or weight. */
const RELOAD_SAMPLE_IMAGES = 8;

/**
 * A few images decoded as the model's input, for writeRunDirectory's reload check: validation
 * images first (test, then training images when a split is empty). Undefined when none decode.
 */
export async function reloadSample(ds: Dataset, input: InputSpec): Promise<{ x: Float32Array; shape: number[] } | undefined> {
  const pool = [...examplesOf(ds, 'val'), ...examplesOf(ds, 'test'), ...examplesOf(ds, 'train')];
  // Twice the sample size, so a few unreadable files still leave a full sample.
  const decoded = await decodeToMemory(pool.slice(0, 2 * RELOAD_SAMPLE_IMAGES), input, { batchSize: 2 * RELOAD_SAMPLE_IMAGES });
  const n = Math.min(RELOAD_SAMPLE_IMAGES, decoded.shape[0]);
  if (n === 0) return undefined;
  const rowShape = decoded.shape.slice(1);
  return { x: decoded.x.slice(0, n * rowShape.reduce((a, d) => a * d, 1)), shape: [n, ...rowShape] };
}
