// The architectures pretrain builds: shapes, feature layers, sizes, and that cnn-small learns
// (a few steps on a tiny synthetic task on the native backend; not an accuracy benchmark).
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../../src/native/load';
import { buildArchitecture, cutAt, describeModel } from '../../src/models';
import type { InputSpec } from '../../src/data/types';

const tf = loadTf();
const grey28: InputSpec = { height: 28, width: 28, channels: 1, preprocessing: { kind: 'scale01' }, resize: 'fill' };
const colour64: InputSpec = { height: 64, width: 64, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'cover' };

test('cnn-small: 28x28 grey -> softmax, pooled features layer, small', () => {
  expect(tf.getBackend()).toBe('tensorflow');
  const { model, featureLayer } = buildArchitecture('cnn-small', grey28, 5, { seed: 1 });
  expect(featureLayer).toBe('features');
  expect(model.inputs[0].shape).toEqual([null, 28, 28, 1]);
  expect(model.outputs[0].shape).toEqual([null, 5]);
  expect(model.getLayer('features').outputShape).toEqual([null, 128]);
  const params = describeModel(model).totalParams;
  expect(params).toBeGreaterThan(100_000);
  expect(params).toBeLessThan(200_000);
  const cut = cutAt(model, featureLayer);
  expect(cut.spatial).toBe(false);
  expect(cut.body.outputs[0].shape).toEqual([null, 128]);
});

test('mobilenet-v1-style: width multiplier scales channels; features at the pooled layer', () => {
  const small = buildArchitecture('mobilenet-v1-style', colour64, 3, { alpha: 0.25, seed: 1 });
  const wide = buildArchitecture('mobilenet-v1-style', colour64, 3, { alpha: 0.5, seed: 1 });
  expect(small.featureLayer).toBe('features');
  expect(small.model.getLayer('features').outputShape).toEqual([null, 256]);
  expect(wide.model.getLayer('features').outputShape).toEqual([null, 512]);
  expect(small.model.getLayer('conv_pw_13_relu').outputShape).toEqual([null, 2, 2, 256]); // 64 / 32
  expect(wide.model.countParams()).toBeGreaterThan(2.5 * small.model.countParams());
  expect(() => buildArchitecture('mobilenet-v1-style', colour64, 3, { alpha: 0 })).toThrow(/--alpha/);
});

test('same seed, same initial weights; different seed, different', () => {
  const w = (seed: number) => {
    const { model } = buildArchitecture('cnn-small', grey28, 3, { seed });
    const k = model.getLayer('conv3').getWeights()[0];
    const d = k.dataSync() as Float32Array;
    return Array.from(d.slice(0, 20));
  };
  expect(w(7)).toEqual(w(7));
  expect(w(7)).not.toEqual(w(8));
});

// Backward passes through convolutions are slow on a loaded 2-core machine (a 28x28 batch of 16
// took 14 s a step here), so the task is small and 16x16.
test('cnn-small learns a tiny synthetic task (loss falls)', async () => {
  // Class 0: bright top half; class 1: bright bottom half; plus noise.
  const n = 32;
  const xs = tf.tidy(() => {
    const noise = tf.randomUniform([n, 16, 16, 1], 0, 0.3, 'float32', 3);
    const top = tf.concat([tf.ones([n / 2, 8, 16, 1]), tf.zeros([n / 2, 8, 16, 1])], 1);
    const bottom = tf.concat([tf.zeros([n / 2, 8, 16, 1]), tf.ones([n / 2, 8, 16, 1])], 1);
    return tf.concat([top, bottom], 0).mul(0.7).add(noise);
  });
  const ys = tf.oneHot(tf.tensor1d([...Array(n / 2).fill(0), ...Array(n / 2).fill(1)], 'int32'), 2);
  const { model } = buildArchitecture('cnn-small', { ...grey28, height: 16, width: 16 }, 2, { seed: 2 });
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const h = await model.fit(xs, ys, { epochs: 6, batchSize: 16, shuffle: true, verbose: 0 });
  const losses = h.history.loss as number[];
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  const pred = model.predict(xs) as tfTypes.Tensor;
  const acc = tf.tidy(() => pred.argMax(1).equal(ys.argMax(1)).mean());
  expect(acc.dataSync()[0]).toBeGreaterThan(0.9);
  [xs, ys, pred, acc].forEach((t) => t.dispose());
});

// A 4-epoch pretrain on 1,000 images is 64 steps. With Keras's momentum of 0.99 the moving
// statistics still held half their initial zeros/ones by then, and inference-mode accuracy sat
// 30 points below what the weights could do. Weights are held fixed here (learning rate 0), so
// only the statistics move: after 10 steps most of the way to conv1's true output mean.
test('from-scratch batch norm statistics catch up within a short run', async () => {
  // 16x16 and 10 steps keep it cheap (a step costs seconds on a loaded VM): only the statistics matter.
  const { model } = buildArchitecture('cnn-small', { ...grey28, height: 16, width: 16 }, 2, { seed: 3 });
  model.compile({ optimizer: tf.train.sgd(0), loss: 'categoricalCrossentropy' });
  const xs = tf.tidy(() => tf.randomUniform([8, 16, 16, 1], 0, 0.2, 'float32', 5).add(0.7));
  const ys = tf.oneHot(tf.tensor1d(Array.from({ length: 8 }, (_, i) => i % 2), 'int32'), 2);
  const conv1 = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv1').output as tfTypes.SymbolicTensor });
  const trueMean = tf.tidy(() => (conv1.predict(xs) as tfTypes.Tensor).mean([0, 1, 2]));
  await model.fit(xs, ys, { epochs: 10, batchSize: 8, shuffle: false, verbose: 0 });
  const movingMean = model.getLayer('conv1_bn').getWeights()[2]; // [gamma, beta, moving mean, moving variance]
  // Same batch every step, so the error is the share of the initial statistics left:
  // 0.9^10 = 35% at momentum 0.9, 0.99^10 = 90% at Keras's 0.99.
  const relativeError = tf.tidy(() => tf.norm(movingMean.sub(trueMean)).div(tf.norm(trueMean)).dataSync()[0]);
  expect(relativeError).toBeLessThan(0.5);
  [xs, ys, trueMean].forEach((t) => t.dispose());
  model.dispose();
});
