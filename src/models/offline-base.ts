// Loading the offline base shipped inside the nsfwjs npm package (Keras MobileNetV2, weights as
// base64 strings in JS modules) through tf.io.fromMemory. Only its model-data subpath is required,
// never nsfwjs's main entry, so no second copy of TensorFlow.js is loaded.
import * as fs from 'fs';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { io } from '@tensorflow/tfjs-core';
import { loadTf } from '../native/load';
import { ModelError } from '../errors';
import { expectedGroupBytes, type ModelJson } from './manifest';

/** Shape of nsfwjs's model-data modules (e.g. `nsfwjs/models/mobilenet_v2`). */
interface NsfwjsModelDefinition {
  modelJson: () => Promise<{ default?: unknown } & Record<string, unknown>>;
  weightBundles: (() => Promise<{ default?: unknown } & Record<string, unknown>>)[];
}

function requireModelData(moduleName: string): NsfwjsModelDefinition {
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    mod = require(moduleName) as Record<string, unknown>;
  } catch (err) {
    throw new ModelError(`the offline base needs the npm package nsfwjs (${moduleName}), which could not be loaded: ${(err as Error).message.split('\n')[0]}`,
      'Reinstall tl\'s dependencies (npm install), or use another base.');
  }
  const def = Object.values(mod).find(
    (v): v is NsfwjsModelDefinition => typeof v === 'object' && v !== null && typeof (v as NsfwjsModelDefinition).modelJson === 'function',
  );
  if (!def || !Array.isArray(def.weightBundles)) {
    throw new ModelError(`${moduleName} does not export a model definition (modelJson + weightBundles); the nsfwjs version may have changed`);
  }
  return def;
}

/** Modules built by a bundler export their value as `default`; plain ones directly. */
function unwrapDefault<T>(m: { default?: unknown } & Record<string, unknown>): T {
  return (m.default !== undefined ? m.default : m) as T;
}

/** Loads the model of an nsfwjs model-data module, checking the weight bytes against its manifest. */
export async function loadNsfwjsModel(moduleName: string): Promise<tfTypes.LayersModel> {
  const tf = loadTf();
  const def = requireModelData(moduleName);
  const modelJson = unwrapDefault<ModelJson>(await def.modelJson());
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new ModelError(`${moduleName} returned no modelTopology/weightsManifest`);
  }
  const shards: Buffer[] = [];
  const shardFiles = shardFilesOf(moduleName, def.weightBundles.length);
  for (let i = 0; i < def.weightBundles.length; i++) {
    const b64 = (shardFiles && base64InShardFile(shardFiles[i])) ?? unwrapDefault<string>(await def.weightBundles[i]());
    if (typeof b64 !== 'string') throw new ModelError(`${moduleName}: a weight bundle is not a base64 string`);
    shards.push(Buffer.from(b64, 'base64'));
  }
  const weightData = Buffer.concat(shards);
  const expected = modelJson.weightsManifest.reduce((sum, g) => sum + (expectedGroupBytes(g) ?? NaN), 0);
  if (weightData.length !== expected) {
    throw new ModelError(`${moduleName}: weights hold ${weightData.length} bytes, the manifest declares ${expected}; the package is damaged`,
      'Reinstall the nsfwjs package (npm install).');
  }
  // A standalone ArrayBuffer (Buffer.concat may return a view into a larger pool).
  const arrayBuffer = weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) as ArrayBuffer;
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights) as io.WeightsManifestEntry[];
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs, weightData: arrayBuffer }));
  } catch (err) {
    throw new ModelError(`cannot build the model from ${moduleName}: ${(err as Error).message}`);
  }
}

/**
 * The shard files behind `nsfwjs/models/<name>` (dist/models/<name>/groupN-shardIofN.min.js),
 * or undefined when the package is laid out differently. Each is a UMD wrapper around one
 * base64 string literal; compiling it as JavaScript took 1 s cold and up to minutes on a
 * machine under memory pressure with TensorFlow loaded, while reading it as text takes ms.
 */
function shardFilesOf(moduleName: string, count: number): string[] | undefined {
  const m = /^(nsfwjs)\/models\/([\w-]+)$/.exec(moduleName);
  if (!m) return undefined;
  try {
    // The package does not export its package.json, and dist/cjs holds a nested one: walk up
    // from the resolved subpath to the package.json that names the package.
    const isRoot = (dir: string) => {
      const pkg = path.join(dir, 'package.json');
      return fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === m[1];
    };
    let root = path.dirname(require.resolve(moduleName));
    while (!isRoot(root) && path.dirname(root) !== root) root = path.dirname(root);
    const files = Array.from({ length: count }, (_, i) => path.join(root, 'dist', 'models', m[2], `group1-shard${i + 1}of${count}.min.js`));
    return files.every((f) => fs.existsSync(f)) ? files : undefined;
  } catch {
    return undefined;
  }
}

/** The base64 payload of a UMD shard module, or undefined (the caller then imports the module). */
export function base64InShardFile(file: string): string | undefined {
  const text = fs.readFileSync(file, 'latin1');
  const m = /exports\s*=\s*"([A-Za-z0-9+/=]+)"/.exec(text);
  return m ? m[1] : undefined;
}
