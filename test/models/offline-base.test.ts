/**
 * The offline base from the nsfwjs package: loads without network through its model-data subpath,
 * cuts at its default feature layer, splits at block boundaries only, loads one TensorFlow.js copy,
 * and a two-phase transfer from it on colour images saves a model that predicts as trained.
 * @tl-own-tfjs its model data is evaluated in this file's sandbox (see test/environment.js)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../../src/native/load';
import { ModelError } from '../../src/errors';
import { cutAt, resolveBase, splitAt } from '../../src/models';
import { transfer } from '../../src/pipeline/transfer';
import { makeColourFolder, tempDir } from '../helpers/colour-run';

const tf = loadTf();
let base: { model: tfTypes.LayersModel; info: import('../../src/models').BaseInfo };

beforeAll(async () => {
  base = await resolveBase('mobilenet-v2-nsfwjs', { cacheDir: '/nonexistent/never-used' });
});

test('mobilenet-v2-nsfwjs loads offline with the registry info', () => {
  expect(tf.getBackend()).toBe('tensorflow');
  expect(base.model.layers.length).toBe(162);
  expect(base.model.inputs[0].shape).toEqual([null, 224, 224, 3]);
  expect(base.info).toMatchObject({
    name: 'mobilenet-v2-nsfwjs',
    featureLayer: 'block_13_expand_relu',
    license: 'MIT',
    input: { height: 224, width: 224, channels: 3, preprocessing: { kind: 'scale01' } },
  });
  expect(base.info.description).toMatch(/below block_11_expand .*ImageNet/);
  expect(base.info.description).toMatch(/retrained for NSFW/);
});

test('the default cut gives 576 pooled features; splitting works at block boundaries only', () => {
  const { body, spatial, cutLayer } = cutAt(base.model, base.info.featureLayer);
  expect(cutLayer).toBe('block_13_expand_relu');
  expect(spatial).toBe(true);
  expect(body.outputs[0].shape).toEqual([null, 576]);

  const x = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 4);
  const whole = body.predict(x) as tfTypes.Tensor;
  // Upper starts at block_13_expand, so block_12_add's output is what crosses.
  const { lower, upper, lowerOutputLayer } = splitAt(body, 'block_13_expand');
  expect(lowerOutputLayer).toBe('block_12_add');
  const mid = lower!.predict(x) as tfTypes.Tensor;
  const y = upper.predict(mid) as tfTypes.Tensor;
  const a = whole.dataSync();
  const b = y.dataSync();
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  expect(maxDiff).toBeLessThan(1e-5);
  [x, whole, mid, y].forEach((t) => t.dispose());

  // Inside block 12 the residual connection from block_11_add crosses the cut too.
  let err: ModelError | undefined;
  try {
    splitAt(body, 'block_12_depthwise');
  } catch (e) {
    err = e as ModelError;
  }
  expect(err).toBeInstanceOf(ModelError);
  expect(err!.message).toMatch(/2 tensors cross that boundary/);
  // Nearest block edges: block 12's start and block 13's start; nothing inside block 12.
  expect(err!.hint).toMatch(/block_12_expand\b/);
  expect(err!.hint).toMatch(/block_13_expand\b/);
  expect(err!.hint).not.toMatch(/block_12_(expand_|depthwise|project)/);
});

test('loading it pulls in one copy of tfjs-core and not nsfwjs\'s main entry', () => {
  // Checked in a plain Node process: jest's module registry hides require.cache.
  const root = path.join(__dirname, '..', '..');
  const script = `
    require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(path.join(root, 'tsconfig.json'))} });
    const { resolveBase } = require(${JSON.stringify(path.join(root, 'src', 'models'))});
    resolveBase('mobilenet-v2-nsfwjs').then(({ model }) => {
      const keys = Object.keys(require.cache);
      const cores = new Set(keys.map((k) => (k.match(/^(.*[\\\\/]@tensorflow[\\\\/]tfjs-core)[\\\\/]/) || [])[1]).filter(Boolean));
      const nsfwMain = keys.some((k) => /nsfwjs[\\\\/]dist[\\\\/]cjs[\\\\/](index|core)\\.js$/.test(k));
      process.stdout.write(JSON.stringify({ cores: [...cores], nsfwMain, layers: model.layers.length }));
    }, (e) => { process.stderr.write(String(e.stack)); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  expect(r.stderr.replace(/^.*(oneDNN|absl|cpu_feature_guard|To enable the following).*$/gm, '').trim()).toBe('');
  const out = JSON.parse(r.stdout);
  expect(out.cores).toHaveLength(1);
  expect(out.nsfwMain).toBe(false);
  expect(out.layers).toBe(162);
});

test('transfer from it on a small colour folder: both phases, and the saved model predicts as trained', async () => {
  const root = tempDir('nsfwjs-transfer');
  try {
    // 3 colour classes, 6 training, 6 validation and 6 test images in presplit folders.
    await makeColourFolder(path.join(root, 'imgs'), 2, false);
    const out = path.join(root, 'run');
    const r = await transfer({ base: 'mobilenet-v2-nsfwjs', data: path.join(root, 'imgs'), out, epochs: 3, fineTuneEpochs: 1, patience: 0, batchSize: 8, seed: 3 });
    expect(r.phases.map((p) => p.phase)).toEqual([1, 2]);
    // The default --fine-tune-layers lands inside a residual block and moves down to its start.
    expect(r.unfreezeFrom).toMatch(/^block_\d+_expand$/);
    expect(r.cutLayer).toBe('block_13_expand_relu');
    // Read back from disk before publishing: MobileNetV2 + head predict exactly as in memory.
    expect(r.savedModelCheck).toEqual({ images: 8, maxAbsDiff: 0 }); // 6 validation + 2 test images
    expect(r.metrics.testCount).toBe(6);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}, 600_000);
