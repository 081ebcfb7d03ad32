// tl assess on the native backend: the probe separates what is separable and not what is not,
// without leaking tensors, and a random base is called unlikely to help.
import * as path from 'path';
import { removeDir, tempDir } from '../helpers/temp';
import { loadTf } from '../../src/native/load';
import { crossValidate, defaultProbeConfig } from '../../src/assess/linear-probe';
import { assess } from '../../src/assess';
import { buildArchitecture } from '../../src/models';

const tf = loadTf();
const tmp = tempDir('assess');
afterAll(() => removeDir(tmp));

test('runs on the native backend', () => {
  expect(tf.getBackend()).toBe('tensorflow');
});

/** n rows of d values in -1..1: class c has `shift` added to column c. */
function synthetic(n: number, d: number, classes: number, shift: number, seed: number): { x: Float32Array; y: Int32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const y = Int32Array.from({ length: n }, (_, i) => i % classes);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = rand() + (j === y[i] ? shift : 0);
  return { x, y };
}

test('the linear probe finds a separable signal, stays at chance without one, and frees its tensors', () => {
  const cfg = { ...defaultProbeConfig(), steps: 200 };
  const before = tf.memory().numTensors;
  const signal = synthetic(200, 20, 4, 4, 1);
  expect(crossValidate({ x: signal.x, rows: 200, cols: 20 }, signal.y, 4, cfg).accuracy).toBeGreaterThan(0.95);
  const noise = synthetic(200, 20, 4, 0, 2);
  expect(crossValidate({ x: noise.x, rows: 200, cols: 20 }, noise.y, 4, cfg).accuracy).toBeLessThan(0.45);
  expect(tf.memory().numTensors).toBe(before);
});

test('an untrained cnn-small is a base whose features are no better than pixels or a random copy: unlikely', async () => {
  const dir = path.join(tmp, 'random-base');
  const { model } = buildArchitecture('cnn-small', { height: 28, width: 28, channels: 1, preprocessing: { kind: 'scale01' }, resize: 'fill' }, 5, { seed: 7 });
  await model.save(`file://${dir}`);
  model.dispose();
  const before = tf.memory().numTensors;
  const r = await assess({ base: dir, data: 'fashion-mnist:5-9', limitPerClass: 100, cache: false });
  expect(tf.memory().numTensors).toBe(before);
  expect(r.verdict).toBe('unlikely');
  expect(Math.abs(r.margin)).toBeLessThan(0.03);
  expect(r.probes.map((p) => p.layer)).toEqual(['conv5', 'conv3_relu', 'conv2']);
  expect(r.probe.images).toBe(500);
  expect(r.baselines.pixels).toBeGreaterThan(0.8);
  expect(r.dataSize.base).toBeUndefined();
});

test('a layer the base does not have is a usage error naming --layers (exit 2)', async () => {
  const { runCli } = await import('../helpers/cli');
  const run = await runCli(['assess', '--base', path.join(tmp, 'random-base'), '--data', 'fashion-mnist:5-9', '--limit-per-class', '4', '--layers', 'conv9']);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/--layers conv9: model .* has no layer 'conv9'/);
});
