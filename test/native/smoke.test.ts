// Native smoke test: the real TensorFlow backend trains a tiny conv net, saves it, loads it back
// and predicts identically.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTf, tensorflowVersion } from '../../src/native';

const tf = loadTf();

test('backend is the native tensorflow one', () => {
  expect(tf.getBackend()).toBe('tensorflow');
  expect(tensorflowVersion(tf)).toMatch(/^\d+\.\d+\.\d+/);
});

test('conv2d + depthwiseConv2d + batchNorm + dropout + dense: trains, saves, reloads, predicts identically', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.batchNormalization(),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // Class 0: bright top half; class 1: bright bottom half.
  const n = 32;
  const xs = tf.tidy(() => {
    const top = tf.concat([tf.ones([n / 2, 6, 12, 1]), tf.zeros([n / 2, 6, 12, 1])], 1);
    const bottom = tf.concat([tf.zeros([n / 2, 6, 12, 1]), tf.ones([n / 2, 6, 12, 1])], 1);
    return tf.concat([top, bottom], 0).add(tf.randomUniform([n, 12, 12, 1], 0, 0.3, 'float32', 7));
  });
  const ys = tf.oneHot(tf.tensor1d([...Array(n / 2).fill(0), ...Array(n / 2).fill(1)], 'int32'), 2);
  const history = await model.fit(xs, ys, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
  const losses = history.history.loss as number[];
  expect(losses).toHaveLength(2);
  expect(losses[1]).toBeLessThan(losses[0]);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-smoke-'));
  try {
    await model.save(`file://${dir}`);
    expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(true);
    const loaded = await tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
    const a = model.predict(xs) as import('@tensorflow/tfjs-node').Tensor;
    const b = loaded.predict(xs) as import('@tensorflow/tfjs-node').Tensor;
    const da = a.dataSync();
    const db = b.dataSync();
    expect(Array.from(db)).toEqual(Array.from(da));
    a.dispose();
    b.dispose();
    loaded.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    xs.dispose();
    ys.dispose();
    model.dispose();
  }
});
