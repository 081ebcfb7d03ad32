// The one way tl loads a tfjs layers model from disk: model.json and its weight files are checked
// first (paths inside the folder, symlinks resolved, exact sizes), then read by tl and handed to
// tf.loadLayersModel from memory, so tfjs never opens a path a manifest names.
import * as fs from 'fs';
import type { io } from '@tensorflow/tfjs-core';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { ModelError } from '../errors';
import { checkModelFiles, type ModelJson } from './manifest';

/** Reads a checked weight file into `target` (exactly its size); it must not have changed since the check. */
async function readCheckedFile(file: string, target: Uint8Array, modelJson: string): Promise<void> {
  const changed = () => new ModelError(`weight file ${file} of ${modelJson} changed while it was being read`, 'Load it again once nothing writes to it.');
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size !== target.length) throw changed();
    for (let at = 0; at < target.length; ) {
      const { bytesRead } = await handle.read(target, at, target.length - at, at);
      if (bytesRead === 0) throw changed();
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/**
 * The weight specs and bytes tfjs expects: every group's weights in manifest order, and the
 * contents of every group's files concatenated in the same order (as tfjs's file:// loader
 * does), read straight into one ArrayBuffer.
 */
async function readWeights(m: ModelJson, files: Map<string, { file: string; bytes: number }>, modelJson: string) {
  const order = m.weightsManifest.flatMap((g) => g.paths).map((p) => files.get(p)!);
  const data = new ArrayBuffer(order.reduce((sum, f) => sum + f.bytes, 0));
  let offset = 0;
  for (const f of order) {
    await readCheckedFile(f.file, new Uint8Array(data, offset, f.bytes), modelJson);
    offset += f.bytes;
  }
  return { specs: m.weightsManifest.flatMap((g) => g.weights) as io.WeightsManifestEntry[], data };
}

/**
 * Loads a tfjs layers model from a model.json path after checking it and its weight files
 * (see checkModelFiles). Every failure is a ModelError naming the model.json.
 */
export async function loadModelJsonFile(modelJson: string): Promise<tfTypes.LayersModel> {
  const tf = loadTf();
  const { model: m, files } = await checkModelFiles(modelJson, undefined, { hashes: false });
  const { specs, data } = await readWeights(m, files, modelJson);
  const artifacts = tf.io.getModelArtifactsForJSONSync(m as unknown as io.ModelJSON, specs, data);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelError(`cannot load the model ${modelJson}: ${(err as Error).message}`,
      'It must be a tfjs LayersModel (model.json + weight files beside it); a graph model or a truncated copy will not load.');
  }
}
