// Tiny models and data for the train room's tests: a small conv "base" with BatchNormalization,
// a dropout head, and a learnable synthetic image set. Not a test file itself.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../../src/native/load';
import { makeRandom } from '../../src/train';

export const SIZE = 8;
export const CLASSES = 3;

/**
 * input [8,8,3] -> conv a (4) -> bn a -> relu a -> conv b (6) -> bn b -> relu b -> GAP.
 * Layer names are fixed so tests can split at 'conv_b'. BN statistics are set to non-default
 * values so a layer run in training mode (or updated) by mistake would show.
 */
export function buildBase(tf: ReturnType<typeof loadTf>, seed: number, prefix: string): tfTypes.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  let x = tf.layers.conv2d({ name: `${prefix}conv_a`, filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(1) }).apply(input) as tfTypes.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: `${prefix}bn_a` }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.activation({ name: `${prefix}relu_a`, activation: 'relu' }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.conv2d({ name: `${prefix}conv_b`, filters: 6, kernelSize: 3, padding: 'same', kernelInitializer: init(2) }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: `${prefix}bn_b` }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.activation({ name: `${prefix}relu_b`, activation: 'relu' }).apply(x) as tfTypes.SymbolicTensor;
  const out = tf.layers.globalAveragePooling2d({ name: `${prefix}gap` }).apply(x) as tfTypes.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    // getWeights() hands out the live variables: read them, never dispose them.
    const [gamma, beta, mean] = layer.getWeights();
    const n = mean.shape[0];
    // Mean 0.05, variance 0.25: activations keep a useful scale (x2) and stay non-default.
    const stats = [tf.fill([n], 0.05), tf.fill([n], 0.25)];
    layer.setWeights([gamma, beta, ...stats]);
    tf.dispose(stats);
  }
  model.trainable = true;
  for (const layer of model.layers) layer.trainable = false;
  return model;
}

/** dropout -> dense softmax, as the models room's default head (no hidden layer). */
export function buildHead(tf: ReturnType<typeof loadTf>, featureDim: number, seed: number, dropout = 0.3): tfTypes.LayersModel {
  const input = tf.input({ shape: [featureDim] });
  const x = tf.layers.dropout({ rate: dropout }).apply(input) as tfTypes.SymbolicTensor;
  const out = tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(x) as tfTypes.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** n images [8,8,3] in 0..1: class c has a much brighter channel c, plus noise. Deterministic. */
export function makeImages(n: number, seed: number): { x: Float32Array; y: Int32Array; shape: [number, number, number, number] } {
  const random = makeRandom(seed);
  const px = SIZE * SIZE * 3;
  const x = new Float32Array(n * px);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    y[i] = c;
    for (let p = 0; p < SIZE * SIZE; p++) {
      for (let ch = 0; ch < 3; ch++) x[i * px + p * 3 + ch] = 0.3 * random() + (ch === c ? 0.7 : 0);
    }
  }
  return { x, y, shape: [n, SIZE, SIZE, 3] };
}

/** Rows of `x` through `model` in inference mode, as one Float32Array. */
export function predictRows(model: tfTypes.LayersModel, x: Float32Array, shape: number[]): { data: Float32Array; shape: number[] } {
  const tf = loadTf();
  const t = tf.tensor(x, shape);
  const out = model.predict(t) as tfTypes.Tensor;
  const data = Float32Array.from(out.dataSync() as Float32Array);
  const outShape = out.shape.slice();
  tf.dispose([t, out]);
  return { data, shape: outShape };
}

/** All weights of a model as plain arrays (for bit-exact comparisons). */
export function weightValues(model: tfTypes.LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
}

export function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => x.length === b[i].length && Buffer.from(x.buffer).equals(Buffer.from(b[i].buffer)));
}

/** Moving mean and variance of every BatchNormalization layer. */
export function bnStatistics(model: tfTypes.LayersModel): Float32Array[] {
  return model.layers
    .filter((l) => l.getClassName() === 'BatchNormalization')
    .flatMap((l) => l.weights.filter((w) => /moving/.test(w.name)).map((w) => Float32Array.from(w.read().dataSync() as Float32Array)));
}
