// Surgery on tiny real models on the native backend: cutting, stacking, trainable flags (on a
// residual model) and the head; shapes and flags are checked, not assumed. Splitting: split-at.test.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../../src/native/load';
import { ModelError, UsageError } from '../../src/errors';
import { buildHead, cutAt, defaultHeadConfig, stackModels } from '../../src/models';
import { tinyConvModel } from './helpers';

const tf = loadTf();
function run(model: tfTypes.LayersModel, x: tfTypes.Tensor): Float32Array {
  const y = model.predict(x) as tfTypes.Tensor;
  const d = y.dataSync() as Float32Array;
  y.dispose();
  return d;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('the backend is native TensorFlow', () => {
  expect(tf.getBackend()).toBe('tensorflow');
});

test('cutAt a spatial layer appends global average pooling; at a pooled layer it does not', () => {
  const base = tinyConvModel();
  const spatial = cutAt(base, 'conv_b');
  expect(spatial.spatial).toBe(true);
  expect(spatial.cutLayer).toBe('conv_b');
  expect(spatial.body.outputs[0].shape).toEqual([null, 6]);
  const flat = cutAt(base, 'pool');
  expect(flat.spatial).toBe(false);
  expect(flat.body.outputs[0].shape).toEqual([null, 6]);
  // Both compute the same features, with the base's own weights (shared, not copied).
  const x = tf.randomUniform([3, 8, 8, 3], 0, 1, 'float32', 3);
  expect(maxAbsDiff(run(spatial.body, x), run(flat.body, x))).toBeLessThan(1e-6);
  expect(spatial.body.getLayer('conv_a')).toBe(base.getLayer('conv_a'));
  // By index (as --cut-layer gives it, text or number) and from the end.
  expect(cutAt(base, 3).cutLayer).toBe('conv_b');
  expect(cutAt(base, '3').cutLayer).toBe('conv_b');
  expect(cutAt(base, -2).cutLayer).toBe('pool');
  x.dispose();
});

test('cutAt a missing layer names the nearest layers and the last ones', () => {
  const base = tinyConvModel();
  const err = (() => {
    try {
      cutAt(base, 'conv_c');
    } catch (e) {
      return e as ModelError;
    }
  })()!;
  // A wrong layer name is a usage error about the flag it came from (exit 2).
  expect(err).toBeInstanceOf(UsageError);
  expect(err.message).toMatch(/^--cut-layer conv_c: .*no layer 'conv_c'; nearest names: conv_a, conv_b/);
  expect(err.message).toContain('its last 6 layers: image, conv_a, bn_a, conv_b, pool, logits');
  expect(err.hint).toContain('tl models show');
  expect(() => cutAt(base, 17)).toThrow(/no layer number 17 \(it has 6 layers, 0..5\)/);
  expect(() => cutAt(base, 'image')).toThrow(/it is an input/);
});

test('buildHead: dropout -> hidden ReLU -> softmax, seeded, with optional L2', () => {
  expect(defaultHeadConfig()).toEqual({ dropout: 0.2, hidden: [], l2: 0 });
  const head = buildHead(6, 3, { dropout: 0.5, hidden: [16], l2: 0.01 }, 9);
  expect(head.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dropout', 'Dense', 'Dense']);
  expect(head.outputs[0].shape).toEqual([null, 3]);
  expect(head.countParams()).toBe(6 * 16 + 16 + 16 * 3 + 3);
  const hidden = head.getLayer('head_hidden_1').getConfig();
  expect(hidden.activation).toBe('relu');
  expect(hidden.kernelRegularizer).toMatchObject({ className: 'L1L2', config: { l2: 0.01 } });
  const x = tf.randomNormal([5, 6], 0, 1, 'float32', 2);
  const p = run(head, x);
  for (let i = 0; i < 5; i++) expect(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2]).toBeCloseTo(1, 5);
  // Same seed, same weights.
  expect(maxAbsDiff(run(buildHead(6, 3, { dropout: 0.5, hidden: [16], l2: 0.01 }, 9), x), p)).toBe(0);
  const plain = buildHead(6, 2, defaultHeadConfig());
  expect(plain.layers.map((l) => l.name)).toEqual(['head_features', 'head_dropout', 'head_softmax']);
  expect(plain.getLayer('head_softmax').getConfig().kernelRegularizer).toBeNull();
  expect(() => buildHead(6, 1, defaultHeadConfig())).toThrow(/at least 2 classes/);
  expect(() => buildHead(6, 3, { ...defaultHeadConfig(), dropout: 1 })).toThrow(/--dropout/);
  x.dispose();
});

test('stackModels makes one flat model from a cut body and a head', () => {
  const base = tinyConvModel();
  const { body } = cutAt(base, 'conv_b');
  const head = buildHead(6, 4, defaultHeadConfig(), 1);
  const full = stackModels(body, head, 'transfer');
  expect(full.layers.some((l) => l.getClassName() === 'Model' || l.getClassName() === 'Functional')).toBe(false);
  expect(full.outputs[0].shape).toEqual([null, 4]);
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 1);
  const feats = body.predict(x) as tfTypes.Tensor;
  expect(maxAbsDiff(run(full, x), run(head, feats))).toBeLessThan(1e-6);
  feats.dispose();
  x.dispose();
  expect(() => stackModels(body, buildHead(5, 2, defaultHeadConfig()))).toThrow(/outputs \[6\] but the top part expects \[5\]/);
});
