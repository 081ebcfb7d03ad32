// pretrain and transfer end to end on the native backend with real PNGs decoded by sharp: the run
// directory they write, the base's BatchNorm statistics left untouched, activation-cache reuse,
// seeded repeatability, interrupt + resume, and the CLI's exit codes and --json output.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../../src/native/load';
import { pretrain } from '../../src/pipeline/pretrain';
import { transfer } from '../../src/pipeline/transfer';
import { evaluateRun } from '../../src/pipeline';
import { checkpointPath } from '../../src/pipeline/run-checkpoint';
import { InterruptedError } from '../../src/errors';
import { colourPng, makeColourFolder, tempDir } from '../helpers/colour-run';
import { runCli } from '../helpers/cli';

const tf = loadTf();
let work: string;
let source: string;
let target: string;
let sourceRun: string;
let sourceResult: Awaited<ReturnType<typeof pretrain>>;
const savedCacheDir = process.env.TL_CACHE_DIR;

/** Small, fast settings shared by every run here (images are 16x16, so the nets are tiny). */
const QUICK = { batchSize: 8, seed: 7, valSplit: 0.2, testSplit: 0.2 };
/** The settings of the source run in beforeAll (also used to interrupt and resume one). */
const PRETRAIN_OPTS = { arch: 'cnn-small' as const, inputSize: 16, epochs: 2, lr: 3e-3, patience: 0, ...QUICK };

async function loadModel(dir: string): Promise<tfTypes.LayersModel> {
  return tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
}

/** Moving mean/variance of every BatchNormalization layer, by weight name. */
function bnStatistics(model: tfTypes.LayersModel): Map<string, number[]> {
  const stats = new Map<string, number[]>();
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    // Weight names can carry numeric suffixes after a reload, so key by the stat's kind.
    layer.weights.forEach((w, i) => {
      const kind = /moving_(mean|variance)/.exec(w.name)?.[0];
      if (!kind) return;
      stats.set(`${layer.name}/${kind}`, Array.from(layer.getWeights()[i].dataSync()));
    });
  }
  return stats;
}

beforeAll(async () => {
  work = tempDir('pipeline');
  process.env.TL_CACHE_DIR = path.join(work, 'cache');
  // Source task: a folder per class (split by content hash), 10 images each, 16x16. Training steps
  // cost seconds each on a loaded 2-core VM, so every run here is as short as its check allows.
  source = path.join(work, 'source');
  const channelOf: Record<string, number> = { red: 0, green: 1, blue: 2 };
  let seed = 100;
  for (const [cls, ch] of Object.entries(channelOf)) {
    for (let i = 0; i < 10; i++) await colourPng(path.join(source, cls, `${cls}-${i}.png`), ch, seed++, 16, 16);
  }
  // Target task: a pre-split tree with fewer training images than one batch.
  target = path.join(work, 'target');
  await makeColourFolder(target, 3, false);
  sourceRun = path.join(work, 'runs', 'source');
  sourceResult = await pretrain({ data: source, out: sourceRun, ...PRETRAIN_OPTS });
}, 600_000);

afterAll(() => {
  if (savedCacheDir === undefined) delete process.env.TL_CACHE_DIR;
  else process.env.TL_CACHE_DIR = savedCacheDir;
  fs.rmSync(work, { recursive: true, force: true });
});

test('pretrain writes a complete run directory that plain tf.loadLayersModel reads', async () => {
  for (const f of ['model.json', 'labels.json', 'tl.json', 'metrics.json', 'history.csv', 'split.json']) {
    expect(fs.existsSync(path.join(sourceRun, f))).toBe(true);
  }
  expect(JSON.parse(fs.readFileSync(path.join(sourceRun, 'labels.json'), 'utf8'))).toEqual(['blue', 'green', 'red']);
  const tl = JSON.parse(fs.readFileSync(path.join(sourceRun, 'tl.json'), 'utf8'));
  expect(tl.kind).toBe('pretrain');
  expect(tl.featureLayer).toBe('features');
  expect(tl.input).toMatchObject({ height: 16, width: 16, channels: 3 });
  // Read back before publishing: 8 validation-first images predicted alike.
  expect(tl.savedModelCheck).toEqual({ images: 8, maxAbsDiff: 0 });
  const history = fs.readFileSync(path.join(sourceRun, 'history.csv'), 'utf8').trim().split('\n');
  expect(history).toHaveLength(1 + 2);
  const model = await loadModel(sourceRun);
  expect(model.outputs[0].shape).toEqual([null, 3]);
  model.dispose();
  // No temporary sibling is left behind.
  expect(fs.readdirSync(path.dirname(sourceRun)).filter((n) => n !== 'source')).toEqual([]);
});

test('an interrupted pretrain leaves a checkpoint and no run directory; --resume ends where the uninterrupted run ended', async () => {
  const out = path.join(work, 'runs', 'pretrain-interrupted');
  let batchesSeen = 0;
  const stop = pretrain({ data: source, out, ...PRETRAIN_OPTS }, {
    onEvent: (e) => {
      if (e.type === 'batch') batchesSeen++;
    },
    shouldStop: () => batchesSeen >= 4, // mid-epoch 2 (about 18 training images, 3 batches an epoch)
  });
  await expect(stop).rejects.toBeInstanceOf(InterruptedError);
  expect(fs.existsSync(out)).toBe(false);
  expect(fs.existsSync(checkpointPath(out))).toBe(true);
  const resumed = await pretrain({ data: source, out, ...PRETRAIN_OPTS, resume: true });
  expect(resumed.history).toEqual(sourceResult.history.map((h) => ({ ...h, seconds: expect.any(Number) })));
  expect(resumed.metrics).toEqual(sourceResult.metrics);
  expect(fs.existsSync(checkpointPath(out))).toBe(false);
  expect(fs.existsSync(path.join(out, 'model.json'))).toBe(true);
}, 600_000);

test('a stop asked for while pretrain decodes its images ends it there, with no checkpoint and no run directory', async () => {
  const out = path.join(work, 'runs', 'pretrain-stopped-decoding');
  let decodedBatches = 0;
  const stop = pretrain({ data: source, out, ...PRETRAIN_OPTS }, {
    onEvent: (e) => {
      if (e.type === 'progress' && e.stage === 'Decoding training images') decodedBatches++;
      if (e.type === 'batch') throw new Error('training started although a stop was asked for');
    },
    shouldStop: () => decodedBatches >= 1,
  });
  await expect(stop).rejects.toBeInstanceOf(InterruptedError);
  await expect(stop).rejects.toThrow(/interrupted while decoding images: 8 of \d+ done; no epoch had finished/);
  expect(fs.existsSync(out)).toBe(false);
  expect(fs.existsSync(checkpointPath(out))).toBe(false);
});

test('transfer: two phases, the base BN statistics stay bit-identical, and the run directory is complete', async () => {
  const out = path.join(work, 'runs', 'two-phase');
  const r = await transfer({ base: sourceRun, data: target, out, epochs: 2, fineTuneEpochs: 1, fineTuneLayers: 2, patience: 0, ...QUICK });
  expect(r.phases.map((p) => p.phase)).toEqual([1, 2]);
  // Phase 2 unfroze a layer of the saved model, and tl.json records which.
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'tl.json'), 'utf8'));
  expect(saved.unfreezeFrom).toBe(r.unfreezeFrom);
  expect(JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).modelTopology.config.layers.map((l: { name: string }) => l.name)).toContain(r.unfreezeFrom);
  expect(r.savedModelCheck).toEqual({ images: 8, maxAbsDiff: 0 });
  // patience 0 restores nothing: the final figures are the last epoch's validation figures.
  expect(r.metrics.valAccuracy).toBeCloseTo(r.history[r.history.length - 1].valAccuracy!, 10);
  expect(r.metrics.testCount).toBe(9);
  // Fewer training images (6) than one batch (8): still one step per epoch.
  expect(r.history.filter((h) => h.phase === 1)).toHaveLength(2);
  expect(r.history.filter((h) => h.phase === 2)).toHaveLength(1);
  const csv = fs.readFileSync(path.join(out, 'history.csv'), 'utf8').trim().split('\n');
  expect(csv[0].split(',')[0]).toBe('phase');
  expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '1', '2']);
  expect(fs.existsSync(path.join(out, 'learning-curves.png'))).toBe(true);
  expect(fs.existsSync(checkpointPath(out))).toBe(false);

  const base = await loadModel(sourceRun);
  const result = await loadModel(out);
  const before = bnStatistics(base);
  const after = bnStatistics(result);
  expect(before.size).toBeGreaterThan(0);
  for (const [name, values] of before) expect(after.get(name)).toEqual(values);
  // The fine-tuned top of the base did change: phase 2 trained something below the head.
  const topConv = base.getLayer('conv5').getWeights()[0].dataSync();
  const tunedConv = result.getLayer('conv5').getWeights()[0].dataSync();
  expect(Array.from(tunedConv)).not.toEqual(Array.from(topConv));
  base.dispose();
  result.dispose();
}, 600_000);

test('a second run on the same data reads base activations from the cache and repeats the same figures', async () => {
  const opts = { base: sourceRun, data: target, epochs: 2, fineTuneEpochs: 0, patience: 0, ...QUICK };
  const first = await transfer({ ...opts, out: path.join(work, 'runs', 'seeded-a') });
  const second = await transfer({ ...opts, out: path.join(work, 'runs', 'seeded-b') });
  expect(second.cache.phase1.computed).toBe(0);
  expect(second.cache.phase1.fromCache).toBe(first.cache.phase1.fromCache + first.cache.phase1.computed);
  expect(second.history.map((h) => h.loss)).toEqual(first.history.map((h) => h.loss));
  expect(second.metrics).toEqual(first.metrics);
  // Another cut layer is another cache key: computed again, not served stale.
  const third = await transfer({ ...opts, cutLayer: 'conv4', out: path.join(work, 'runs', 'seeded-c') });
  expect(third.cache.phase1.fromCache).toBe(0);
  expect(third.cache.phase1.computed).toBeGreaterThan(0);
}, 600_000);

test('with fine-tuning ahead, the cut activations come from those below the unfrozen layers and equal a pass from pixels', async () => {
  const cacheDir = path.join(work, 'cache-derived');
  process.env.TL_CACHE_DIR = cacheDir;
  try {
    const opts = { base: sourceRun, data: target, epochs: 2, patience: 0, ...QUICK };
    const tuned = await transfer({ ...opts, fineTuneEpochs: 1, fineTuneLayers: 2, out: path.join(work, 'runs', 'derived-tuned') });
    const trainVal = tuned.metrics.trainCount + tuned.metrics.valCount;
    // Phase 1 filled the cut's entries for train and val (derived); the lower cut's cover those and the test split.
    expect(tuned.cache.phase1).toEqual({ fromCache: 0, computed: trainVal });
    expect(tuned.cache.phase2).toEqual({ fromCache: 0, computed: trainVal + tuned.metrics.testCount });
    // A head-only run finds them under the same key as a pass from pixels would write...
    const headOnly = await transfer({ ...opts, fineTuneEpochs: 0, out: path.join(work, 'runs', 'derived-head') });
    expect(headOnly.cache.phase1).toEqual({ fromCache: trainVal, computed: headOnly.metrics.testCount });
    // ...and trains exactly as on activations computed from pixels with no cache at all.
    const fromPixels = await transfer({ ...opts, fineTuneEpochs: 0, cache: false, out: path.join(work, 'runs', 'derived-pixels') });
    expect(fromPixels.history.map((h) => h.loss)).toEqual(headOnly.history.map((h) => h.loss));
    expect(fromPixels.metrics).toEqual(headOnly.metrics);
  } finally {
    process.env.TL_CACHE_DIR = path.join(work, 'cache');
  }
}, 600_000);

test('an interrupted transfer leaves no run directory, and --resume ends where an uninterrupted run ends', async () => {
  const opts = { base: sourceRun, data: target, epochs: 2, fineTuneEpochs: 2, fineTuneLayers: 2, patience: 0, ...QUICK };
  const whole = await transfer({ ...opts, out: path.join(work, 'runs', 'whole') });
  const out = path.join(work, 'runs', 'interrupted');
  let batchesSeen = 0;
  const stop = transfer({ ...opts, out }, {
    onEvent: (e) => {
      if (e.type === 'batch') batchesSeen++;
    },
    shouldStop: () => batchesSeen >= 3, // one batch an epoch: the first batch of phase 2
  });
  await expect(stop).rejects.toBeInstanceOf(InterruptedError);
  expect(fs.existsSync(out)).toBe(false);
  expect(fs.existsSync(checkpointPath(out))).toBe(true);
  const resumed = await transfer({ ...opts, out, resume: true });
  expect(resumed.history.map((h) => [h.phase, h.epoch])).toEqual(whole.history.map((h) => [h.phase, h.epoch]));
  expect(resumed.metrics).toEqual(whole.metrics);
  expect(fs.existsSync(checkpointPath(out))).toBe(false);
}, 600_000);

test('evaluate reads the frozen activations of a transfer run from the cache and matches the whole model on pixels', async () => {
  for (const fineTuneEpochs of [1, 0]) {
    const out = path.join(work, 'runs', `evaluated-${fineTuneEpochs}`);
    const r = await transfer({ base: sourceRun, data: target, out, epochs: 2, fineTuneEpochs, fineTuneLayers: 2, patience: 0, ...QUICK });
    const viaCache = await evaluateRun({ model: out, reportDir: null });
    // The transfer's final measurement cached the test split below the trained part.
    expect(viaCache.frozenActivations).toMatchObject({ fromCache: r.metrics.testCount, computed: 0 });
    const whole = await evaluateRun({ model: out, reportDir: null, cache: false });
    expect(whole.frozenActivations).toBeUndefined();
    expect(viaCache.cacheUnusable).toBeUndefined();
    expect(whole.cacheUnusable).toBeUndefined(); // --no-cache was asked for: nothing to explain
    expect(viaCache.metrics.accuracy).toBe(whole.metrics.accuracy);
    expect(viaCache.metrics.confusionMatrix).toEqual(whole.metrics.confusionMatrix);
    expect(viaCache.metrics.loss).toBeCloseTo(whole.metrics.loss, 5);
    expect(viaCache.metrics.mistakes.map((m) => m.id)).toEqual(whole.metrics.mistakes.map((m) => m.id));
    // On a machine without those cache entries they are computed, with the same figures.
    const savedDir = process.env.TL_CACHE_DIR;
    process.env.TL_CACHE_DIR = path.join(work, `cache-empty-${fineTuneEpochs}`);
    try {
      const fresh = await evaluateRun({ model: out, reportDir: null });
      expect(fresh.frozenActivations).toMatchObject({ fromCache: 0, computed: r.metrics.testCount });
      expect(fresh.metrics.accuracy).toBe(whole.metrics.accuracy);
    } finally {
      process.env.TL_CACHE_DIR = savedDir;
    }
    // A run whose tl.json names a split point the model lacks is evaluated whole, and says why.
    const altered = path.join(work, 'runs', `evaluated-${fineTuneEpochs}-altered`);
    fs.cpSync(out, altered, { recursive: true });
    const tlPath = path.join(altered, 'tl.json');
    const tlJson = JSON.parse(fs.readFileSync(tlPath, 'utf8'));
    fs.writeFileSync(tlPath, JSON.stringify({ ...tlJson, unfreezeFrom: 'no_such_layer' }));
    const fallback = await evaluateRun({ model: altered, reportDir: null });
    expect(fallback.frozenActivations).toBeUndefined();
    expect(fallback.cacheUnusable).toMatch(/does not split at no_such_layer/);
    expect(fallback.metrics.accuracy).toBe(whole.metrics.accuracy);
  }
}, 600_000);

test('no tensors leak across a transfer run', async () => {
  const before = tf.memory().numTensors;
  await transfer({ base: sourceRun, data: target, out: path.join(work, 'runs', 'leak'), epochs: 1, fineTuneEpochs: 1, fineTuneLayers: 2, patience: 0, ...QUICK });
  expect(tf.memory().numTensors).toBe(before);
}, 600_000);

describe('tl transfer (CLI)', () => {
  test('--json prints one object with outDir, phases and metrics', async () => {
    const out = path.join(work, 'runs', 'cli');
    const r = await runCli(['transfer', '--base', sourceRun, '--data', target, '--out', out, '--epochs', '1', '--fine-tune-epochs', '0', '--batch-size', '8', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.outDir).toBe(out);
    expect(j.phases).toHaveLength(1);
    // What --json prints is what the run directory holds.
    expect(JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'))).toMatchObject(j.metrics);
    expect(j.metrics.testCount).toBe(9);
    expect(j.savedModelCheck).toEqual({ images: 8, maxAbsDiff: 0 });
  }, 600_000);

  test('an existing --out is refused (exit 2) and nothing is overwritten', async () => {
    const out = path.join(work, 'runs', 'existing');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'model.json'), '{"mine": true}');
    const stamp = fs.statSync(path.join(out, 'model.json')).mtimeMs;
    const r = await runCli(['transfer', '--base', sourceRun, '--data', target, '--out', out, '--epochs', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--overwrite');
    expect(fs.statSync(path.join(out, 'model.json')).mtimeMs).toBe(stamp);
    expect(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).toBe('{"mine": true}');
  });

  test('a base that does not exist is a model error (exit 4) naming it', async () => {
    const r = await runCli(['transfer', '--base', path.join(work, 'no-such-run'), '--data', target, '--out', path.join(work, 'runs', 'never')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('no-such-run');
    expect(fs.existsSync(path.join(work, 'runs', 'never'))).toBe(false);
  });

  test('bad numbers are usage errors naming the flag (exit 2)', async () => {
    const r = await runCli(['transfer', '--base', sourceRun, '--data', target, '--out', path.join(work, 'runs', 'never'), '--fine-tune-lr', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--fine-tune-lr');
  });
});

test('a real SIGTERM to bin/tl transfer: the batch finishes, a checkpoint is written, exit 130, no run directory', async () => {
  // A child process, because the signal must reach a real process through its event loop
  // (jest's sandboxed `process` does not receive signals).
  const out = path.join(work, 'runs', 'signalled');
  const bin = path.join(__dirname, '..', '..', 'bin', 'tl');
  const args = ['transfer', '--base', sourceRun, '--data', target, '--out', out, '--epochs', '500', '--fine-tune-epochs', '0', '--batch-size', '1', '--patience', '0'];
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, NO_COLOR: '1', TF_CPP_MIN_LOG_LEVEL: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let signalled = false;
  const onData = (d: Buffer) => {
    output += d.toString();
    // Plain progress lines (not a terminal): signal once the first epoch is under way.
    if (!signalled && /epoch 1\/500/.test(output)) {
      signalled = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(signalled).toBe(true);
  expect(output).toContain('SIGTERM: finishing the current batch');
  expect(code).toBe(130);
  expect(fs.existsSync(out)).toBe(false);
  expect(fs.existsSync(checkpointPath(out))).toBe(true);
  expect(fs.existsSync(`${out}.lock`)).toBe(false); // the lock on --out is released on the way out
  expect(output).not.toMatch(/epoch 500\/500/);
}, 600_000);

