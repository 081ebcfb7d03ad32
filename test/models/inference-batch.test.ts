// The inference batch size: from the model's largest activation, a power of two from 1 to 256,
// and what --verbose says about it.
import * as path from 'path';
import { loadTf } from '../../src/native/load';
import { ACTIVATION_BUDGET_BYTES, describeInferenceBatch, inferenceBatchSize } from '../../src/models/inference-batch';
import { buildArchitecture } from '../../src/models';
import { makeColourFolder, makeColourRun, tempDir } from '../helpers/colour-run';
import { runCli } from '../helpers/cli';

const tf = loadTf();

function convModel(side: number, filters: number) {
  const input = tf.input({ shape: [side, side, 3] });
  const conv = tf.layers.conv2d({ filters, kernelSize: 1, name: 'wide' }).apply(input) as ReturnType<typeof tf.input>;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(conv) as ReturnType<typeof tf.input>;
  return tf.model({ inputs: input, outputs: pooled });
}

test('a MobileNetV2-sized expansion (112x112x96, 4.8 MB an image) runs 32 at once', () => {
  const m = convModel(112, 96);
  const b = inferenceBatchSize(m);
  expect(b).toEqual({ batchSize: 32, largestLayer: 'wide', largestShape: [112, 112, 96], bytesPerImage: 112 * 112 * 96 * 4 });
  expect(describeInferenceBatch(b)).toBe('32 (largest activation wide 112x112x96, 4.8 MB an image)');
  m.dispose();
});

test('small models get up to 256, huge activations at least 1, always a power of two', () => {
  const input = { height: 28, width: 28, channels: 1 as const, preprocessing: { kind: 'scale01' as const }, resize: 'fill' as const };
  const small = buildArchitecture('cnn-small', input, 5, { seed: 1 }).model;
  expect(inferenceBatchSize(small).batchSize).toBe(256);
  small.dispose();
  const huge = convModel(64, 8);
  expect(inferenceBatchSize(huge, 64 * 64 * 8 * 4 - 1).batchSize).toBe(1);
  for (const budget of [1e6, 3e7, ACTIVATION_BUDGET_BYTES]) {
    const n = inferenceBatchSize(huge, budget).batchSize;
    expect(Math.log2(n) % 1).toBe(0);
    expect(n * 64 * 64 * 8 * 4).toBeLessThanOrEqual(Math.max(budget, 64 * 64 * 8 * 4));
  }
  huge.dispose();
});

test('tl predict and tl evaluate say the batch they chose with --verbose, and take a number instead', async () => {
  const work = tempDir('inference-batch');
  const folder = path.join(work, 'imgs');
  const run = path.join(work, 'run');
  await makeColourFolder(folder, 2);
  await makeColourRun(run, folder);
  const verbose = await runCli(['predict', '--model', run, folder, '--verbose']);
  expect(verbose.code).toBe(0);
  expect(verbose.stderr).toMatch(/inference batch \d+ \(largest activation \S+ [\dx]+, [\d.]+ MB an image\)/);
  const fixed = await runCli(['predict', '--model', run, folder, '--batch-size', '3', '--verbose']);
  expect(fixed.stderr).not.toMatch(/inference batch/);
  // Same labels in the same order; probabilities equal up to float rounding (the batch changes summation order).
  const rows = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.split(','));
  const [a, b] = [rows(fixed.stdout), rows(verbose.stdout)];
  expect(a.map((r) => [r[0], r[1], r[3], r[5]])).toEqual(b.map((r) => [r[0], r[1], r[3], r[5]]));
  a.forEach((r, i) => expect(Math.abs(Number(r[2]) - Number(b[i][2]))).toBeLessThan(1e-5));
  const evaluated = await runCli(['evaluate', '--model', run, '--data', folder, '--no-report', '--verbose']);
  expect(evaluated.code).toBe(0);
  expect(evaluated.stderr).toMatch(/the model: inference batch \d+/);
  expect((await runCli(['predict', '--model', run, folder, '--batch-size', 'lots'])).code).toBe(2);
});
