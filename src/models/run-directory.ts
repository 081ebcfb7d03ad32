// The run directory written by pretrain and transfer and read by transfer, evaluate and predict:
// model.json + weights (tfjs layers format), labels.json, tl.json, metrics.json, history.csv.
// Written to a temporary sibling and renamed into place, so a half-written run never looks complete.
import * as fs from 'fs';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { ModelError, UsageError } from '../errors';
import { formatHistoryCsv } from './history-csv';
import { loadModelJsonFile } from './load';
import { assertSafeRelativePath } from './manifest';
import { checkOutDir, RUN_FILES } from './run-files';
import { asideOf, tempSiblingPrefix } from '../out-paths';
import type { HistoryRow, SavedModelCheck, TlJson } from './types';
import { TEACHABLE_MACHINE_FILE, teachableMachineMetadata, TeachableMachineRecord } from './teachable-machine';

export interface RunDirectoryContents {
  model: tfTypes.LayersModel;
  /** Class names in the model's output order. */
  labels: string[];
  tl: TlJson;
  metrics?: object;
  history?: HistoryRow[];
  /** More files (plots, report, split assignment), by path relative to the run directory. */
  extraFiles?: Record<string, Buffer | string>;
  /**
   * A few model inputs ([N, ...input shape], row-major): the saved files are read back with
   * tf.loadLayersModel and must predict what the trained model predicts on them before the run
   * directory is published. Omitted: no check.
   */
  reloadSample?: { x: Float32Array; shape: number[] };
}

/**
 * Largest difference a reloaded model may show. The weights are stored as float32, so the same
 * graph on the same inputs gives the same numbers; the margin only absorbs a change in the order
 * the native kernels sum in, never a wrong layer, weight or preprocessing (those move
 * probabilities by far more).
 */
const RELOAD_TOLERANCE = 1e-5;

/** Reads the model saved in `dir` back and compares its predictions on `sample` with `model`'s. */
async function checkSavedModel(model: tfTypes.LayersModel, dir: string, sample: { x: Float32Array; shape: number[] }): Promise<SavedModelCheck> {
  const tf = loadTf();
  const reloaded = await loadModelJsonFile(path.join(dir, RUN_FILES.model));
  try {
    const x = tf.tensor(sample.x, sample.shape);
    const a = model.predict(x) as tfTypes.Tensor;
    const b = reloaded.predict(x) as tfTypes.Tensor;
    // dataSync then dispose (never a TypedArray out of tidy).
    const pa = a.dataSync();
    const pb = b.dataSync();
    tf.dispose([x, a, b]);
    let maxAbsDiff = pa.length === pb.length ? 0 : Infinity;
    for (let i = 0; i < pa.length && i < pb.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(pa[i] - pb[i]));
    return { images: sample.shape[0], maxAbsDiff };
  } finally {
    reloaded.dispose();
  }
}

function checkLabels(labels: unknown, outputUnits: number | null, where: string): asserts labels is string[] {
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string' || l === '')) {
    throw new ModelError(`${where}: labels must be a list of non-empty class names`);
  }
  if (new Set(labels).size !== labels.length) throw new ModelError(`${where}: class names must be unique`);
  if (outputUnits !== null && labels.length !== outputUnits) {
    throw new ModelError(`${where}: ${labels.length} class names for a model with ${outputUnits} outputs`,
      'labels.json must list one class name per model output, in output order.');
  }
}

function outputUnits(model: tfTypes.LayersModel): number | null {
  const shape = model.outputs[0]?.shape;
  return shape && shape.length === 2 ? (shape[1] as number | null) : null;
}

/** metadata.json for @teachablemachine/image when the model fits its format; the record for tl.json either way. */
async function writeTeachableMachine(tmp: string, finalDir: string, labels: string[], tl: TlJson): Promise<TeachableMachineRecord> {
  const tf = loadTf();
  const made = teachableMachineMetadata({
    input: tl.input,
    labels,
    modelName: path.basename(finalDir),
    tfjsVersion: (tf.version as Record<string, string>).tfjs ?? tf.version_core,
    tlVersion: tl.tlVersion,
    now: new Date(),
  });
  if ('notWritten' in made) return made;
  await fs.promises.writeFile(path.join(tmp, TEACHABLE_MACHINE_FILE), JSON.stringify(made.metadata, null, 2) + '\n');
  return { metadataFile: TEACHABLE_MACHINE_FILE };
}

/** How writeRunDirectory treats an existing `outDir`. */
export interface RunDirectoryWriteOptions {
  overwrite: boolean;
  /** Paths of the run's data: a folder that is one of them or holds one is never replaced. */
  dataPaths?: string[];
}

/**
 * Writes a complete run directory at `outDir`: everything goes to a temporary sibling first
 * and is renamed into place at the end. An existing `outDir` is refused (UsageError) unless
 * `overwrite` and checkOutDir allows replacing it; it is replaced only once the new one is
 * complete. tl.json lists every file written, so a later --overwrite knows them. With a
 * `reloadSample`, the saved model is read back and must predict as the trained one does, or
 * nothing is published (ModelError); the comparison is recorded in tl.json and returned.
 */
export async function writeRunDirectory(outDir: string, c: RunDirectoryContents, opts: RunDirectoryWriteOptions): Promise<{ savedModelCheck?: SavedModelCheck }> {
  const dir = path.resolve(outDir);
  checkOutDir(dir, opts.overwrite, opts.dataPaths);
  checkLabels(c.labels, outputUnits(c.model), 'writing the run directory');
  const reserved = new Set<string>([...Object.values(RUN_FILES), TEACHABLE_MACHINE_FILE]);
  for (const name of Object.keys(c.extraFiles ?? {})) {
    assertSafeRelativePath(name, 'extraFiles');
    if (reserved.has(name)) throw new ModelError(`extra file '${name}' would overwrite a run directory file`);
  }

  await fs.promises.mkdir(path.dirname(dir), { recursive: true });
  // The name carries this process's PID: a later run cleans it only once this process is gone.
  const tmp = await fs.promises.mkdtemp(tempSiblingPrefix(dir));
  try {
    // tfjs-node's file:// handler writes model.json + weights.bin into an existing folder.
    await c.model.save(`file://${tmp}`);
    let tl = c.tl;
    if (c.reloadSample && c.reloadSample.shape[0] > 0) {
      const check = await checkSavedModel(c.model, tmp, c.reloadSample);
      if (!(check.maxAbsDiff <= RELOAD_TOLERANCE)) {
        throw new ModelError(
          `the saved model does not reproduce the trained one: read back from disk, it predicts up to ${check.maxAbsDiff} away on ${check.images} images`,
          'Nothing was written. Please report this with the command line; the trained model cannot be saved faithfully.',
        );
      }
      tl = { ...tl, savedModelCheck: check };
    }
    const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
    await fs.promises.writeFile(path.join(tmp, RUN_FILES.labels), json(c.labels));
    tl = { ...tl, teachableMachine: await writeTeachableMachine(tmp, dir, c.labels, tl) };
    if (c.metrics !== undefined) await fs.promises.writeFile(path.join(tmp, RUN_FILES.metrics), json(c.metrics));
    if (c.history !== undefined) await fs.promises.writeFile(path.join(tmp, RUN_FILES.history), formatHistoryCsv(c.history));
    for (const [name, content] of Object.entries(c.extraFiles ?? {})) {
      const file = path.join(tmp, ...name.split('/'));
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, content);
    }
    // Last, listing everything above: the marker by which --overwrite knows a folder tl wrote.
    const files = [...(await fs.promises.readdir(tmp)), RUN_FILES.tl].sort();
    await fs.promises.writeFile(path.join(tmp, RUN_FILES.tl), json({ ...tl, files }));
    // Check again: another process may have created outDir while we were writing.
    let aside: string | undefined;
    if (fs.existsSync(dir)) {
      if (!opts.overwrite) throw new UsageError(`--out ${dir} appeared while the run was being written`, 'Choose another --out.');
      checkOutDir(dir, true, opts.dataPaths); // files may have been added to it since the start
      aside = asideOf(tmp);
      await fs.promises.rename(dir, aside);
    }
    await fs.promises.rename(tmp, dir);
    if (aside) await fs.promises.rm(aside, { recursive: true, force: true });
    return { savedModelCheck: tl.savedModelCheck };
  } catch (err) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    if (err instanceof UsageError || err instanceof ModelError) throw err;
    throw new ModelError(`could not write the run directory ${dir}: ${(err as Error).message}`,
      'Check that the parent folder is writable and the disk has space.');
  }
}

function readJsonFile(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${file} is not valid JSON (${(err as Error).message})`);
  }
}

/** Where model.json and the run directory are for a folder or model.json path. */
export function locateRun(dirOrModelJson: string): { dir: string; modelJson: string } {
  const p = path.resolve(dirOrModelJson);
  if (!fs.existsSync(p)) throw new ModelError(`${p} does not exist`, 'Pass a tl run directory (from pretrain or transfer) or a model.json path.');
  if (fs.statSync(p).isDirectory()) {
    const modelJson = path.join(p, RUN_FILES.model);
    if (!fs.existsSync(modelJson)) {
      throw new ModelError(`${p} has no ${RUN_FILES.model}, so it is not a tl run directory or model folder`,
        'Pass the --out directory of a finished tl pretrain/transfer run, or a folder with model.json and its weights.');
    }
    return { dir: p, modelJson };
  }
  return { dir: path.dirname(p), modelJson: p };
}

/** tl.json of a run directory, or undefined when the folder has none (a plain tfjs model). */
export function readTlJson(dir: string): TlJson | undefined {
  const file = path.join(dir, RUN_FILES.tl);
  if (!fs.existsSync(file)) return undefined;
  const tl = readJsonFile(file) as TlJson;
  if (typeof tl !== 'object' || tl === null || typeof tl.featureLayer !== 'string' || typeof tl.input !== 'object') {
    throw new ModelError(`${file} lacks "featureLayer" or "input": it was not written by tl or is damaged`);
  }
  return tl;
}

/** Reads a run directory (or a model.json inside one): model, class names and tl.json if present. */
export async function readRunDirectory(dirOrModelJson: string): Promise<{ model: tfTypes.LayersModel; labels: string[]; tl?: TlJson; dir: string }> {
  const { dir, modelJson } = locateRun(dirOrModelJson);
  const labelsFile = path.join(dir, RUN_FILES.labels);
  if (!fs.existsSync(labelsFile)) {
    throw new ModelError(`${dir} has no ${RUN_FILES.labels}, so the class names are unknown`,
      `Write ${RUN_FILES.labels} beside model.json: a JSON list of class names in the model's output order.`);
  }
  const labels = readJsonFile(labelsFile);
  const tl = readTlJson(dir);
  const model = await loadModelJsonFile(modelJson);
  checkLabels(labels, outputUnits(model), labelsFile);
  return { model, labels, tl, dir };
}
