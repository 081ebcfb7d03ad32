// The evaluation runner, `tl evaluate` and `tl predict` on a real run directory and real PNGs,
// on the native backend. The colour model has hand-set weights, so the right answers are known.
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { loadTf } from '../../src/native/load';
import { batches, examplesOf, loadDataset } from '../../src/data';
import { evaluateModel, predictBatches, mapLabelsByName, checkModelShapes } from '../../src/evaluate';
import { DataError, ModelError } from '../../src/errors';
import { CLASSES, INPUT, colourModel, colourPng, makeColourFolder, makeColourRun, tempDir } from '../helpers/colour-run';
import { runCli } from '../helpers/cli';

const tf = loadTf();
let work: string;
let data: string;
let runDir: string;

beforeAll(async () => {
  work = tempDir('eval');
  data = path.join(work, 'imgs');
  runDir = path.join(work, 'run');
  await makeColourFolder(data);
  await makeColourRun(runDir, data);
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

test('runs on the native TensorFlow backend', () => {
  expect(tf.getBackend()).toBe('tensorflow');
});

describe('evaluateModel', () => {
  test('computes metrics over streamed batches without leaking tensors', async () => {
    const ds = await loadDataset(data);
    const test = examplesOf(ds, 'test');
    expect(test).toHaveLength(10);
    const model = colourModel();
    const before = tf.memory().numTensors;
    const run = await evaluateModel({
      model,
      modelLabels: CLASSES,
      datasetClasses: ds.classes,
      dataName: 'test data',
      input: INPUT,
      batches: batches(test, INPUT, { batchSize: 4 }),
      metrics: { topK: 2, mistakes: 5 },
    });
    expect(tf.memory().numTensors).toBe(before);
    const m = run.metrics;
    expect(m.count).toBe(10);
    expect(m.accuracy).toBeCloseTo(0.9, 10);
    expect(m.confusionMatrix).toEqual([
      [3, 0, 0],
      [0, 3, 0],
      [0, 1, 3],
    ]);
    expect(m.mistakes).toHaveLength(1);
    expect(m.mistakes[0]).toMatchObject({ trueLabel: 'red', predictedLabel: 'green' });
    expect(m.mistakes[0].id).toMatch(/really-green\.png$/);
    expect(m.mistakes[0].probability).toBeGreaterThan(0.9);
    // The kept input is the mistake's own image: green dominates its pixels.
    const px = run.mistakeInputs[0].pixels;
    const mean = [0, 1, 2].map((c) => px.filter((_, i) => i % 3 === c).reduce((s, v) => s + v, 0) / 64);
    expect(mean[1]).toBeGreaterThan(mean[0] + 0.2);
    model.dispose();
  });

  test('probabilities equal model.predict on the same batch', async () => {
    const ds = await loadDataset(data);
    const model = colourModel();
    const src = batches(examplesOf(ds, 'test'), INPUT, { batchSize: 16 });
    for await (const pb of predictBatches(model, src)) {
      const x = tf.tensor4d(pb.batch.x, pb.batch.shape);
      const y = model.predict(x) as import('@tensorflow/tfjs-node').Tensor;
      const direct = y.dataSync();
      x.dispose();
      y.dispose();
      expect(Array.from(pb.probs)).toEqual(Array.from(direct));
    }
    model.dispose();
  });

  test('maps data set labels onto model labels by name', async () => {
    // Same data, classes listed in another order: results must not change.
    const ds = await loadDataset(data);
    const reordered = ['red', 'blue', 'green'];
    const remap = ds.classes.map((c) => reordered.indexOf(c));
    const examples = examplesOf(ds, 'test').map((e) => ({ ...e, label: remap[e.label] }));
    const model = colourModel();
    const run = await evaluateModel({
      model,
      modelLabels: CLASSES,
      datasetClasses: reordered,
      dataName: 'reordered',
      input: INPUT,
      batches: batches(examples, INPUT, { batchSize: 8 }),
    });
    expect(run.metrics.accuracy).toBeCloseTo(0.9, 10);
    expect(run.metrics.perClass.map((p) => p.support)).toEqual([3, 3, 4]);
    model.dispose();
  });

  test('an unknown class is a DataError naming it; shape mismatches are ModelErrors', () => {
    expect(() => mapLabelsByName(['red', 'purple'], CLASSES, '--data ./x')).toThrow(DataError);
    expect(() => mapLabelsByName(['red', 'purple'], CLASSES, '--data ./x')).toThrow(/'purple'/);
    expect(Array.from(mapLabelsByName(['red', 'blue'], CLASSES, 'x'))).toEqual([2, 0]);
    expect(() => checkModelShapes([null, 8, 8, 3], [null, 3], { ...INPUT, height: 16 }, 3, 'evaluate')).toThrow(ModelError);
    expect(() => checkModelShapes([null, 8, 8, 3], [null, 4], INPUT, 3, 'evaluate')).toThrow(/4 class|outputs/);
  });
});

describe('tl evaluate', () => {
  test('evaluates the saved test split and writes the report files', async () => {
    const r = await runCli(['evaluate', '--model', runDir, '--json', '--top-k', '2']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.accuracy).toBeCloseTo(0.9, 10);
    expect(j.passed).toBe(true);
    expect(j.confusionMatrix).toEqual([
      [3, 0, 0],
      [0, 3, 0],
      [0, 1, 3],
    ]);
    expect(j.perClass.map((p: { label: string }) => p.label)).toEqual(CLASSES);
    expect(j.topK).toEqual({ k: 2, accuracy: 1 });
    expect(j.dataSource).toBe('run-test-split');
    const dir = path.join(runDir, 'evaluation');
    for (const f of ['evaluation.json', 'confusion-matrix.csv', 'confusion-matrix.png', 'per-class-f1.png', 'report.html']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]); // no temp files left
    expect(fs.readFileSync(path.join(dir, 'confusion-matrix.csv'), 'utf8')).toBe('true\\predicted,blue,green,red\nblue,3,0,0\ngreen,0,3,0\nred,0,1,3\n');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'evaluation.json'), 'utf8')).accuracy).toBeCloseTo(0.9, 10);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('really-green.png');
    expect(html).toContain('Learning curves');
    expect(html).toMatch(/data:image\/jpeg;base64,/);
    expect(html).not.toMatch(/(src|href)="https?:/);
    const png = await sharp(path.join(dir, 'confusion-matrix.png')).metadata();
    expect(png.format).toBe('png');
  });

  test('human summary, and exit 1 with the shortfall when a threshold is not met', async () => {
    const report = path.join(work, 'gate-report');
    const r = await runCli(['evaluate', '--model', runDir, '--min-accuracy', '0.95', '--min-f1', '0.5', '--report', report]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/accuracy 0\.9000 is below --min-accuracy 0\.95 by 0\.0500/);
    expect(r.stderr).not.toMatch(/min-f1/); // that one passed
    expect(r.stdout).toMatch(/FAIL accuracy/);
    expect(r.stdout).toMatch(/pass macro F1/);
    expect(r.stdout).toMatch(/precision\s+recall\s+F1\s+support/);
    expect(r.stdout).toMatch(/confusion matrix/);
    expect(r.stdout).not.toMatch(/\u001b\[/); // no colour when not a terminal
    expect(fs.existsSync(path.join(report, 'report.html'))).toBe(true); // files written even on failure
  });

  test('--data with a class the model does not know fails with exit 3 naming it', async () => {
    const other = path.join(work, 'other');
    await colourPng(path.join(other, 'red', 'a.png'), 0, 5);
    await colourPng(path.join(other, 'purple', 'b.png'), 2, 6);
    const r = await runCli(['evaluate', '--model', runDir, '--data', other, '--no-report']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/'purple'/);
  });

  test('bad flags are usage errors (exit 2)', async () => {
    expect((await runCli(['evaluate', '--model', runDir, '--min-accuracy', '90'])).code).toBe(2);
    expect((await runCli(['evaluate', '--model', path.join(work, 'nope')])).code).toBe(4);
  });
});

describe('tl predict', () => {
  /** The reference: plain tf.loadLayersModel and preprocessing written here with sharp directly. */
  async function plainPredict(files: string[]): Promise<number[][]> {
    const model = await tf.loadLayersModel(`file://${path.join(runDir, 'model.json')}`);
    const rows: number[][] = [];
    for (const f of files) {
      const { data: raw } = await sharp(f).resize(8, 8, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const x = tf.tensor4d(Float32Array.from(raw, (v) => v / 255), [1, 8, 8, 3]);
      const y = model.predict(x) as import('@tensorflow/tfjs-node').Tensor;
      rows.push(Array.from(y.dataSync()));
      x.dispose();
      y.dispose();
    }
    model.dispose();
    return rows;
  }

  test('predictions equal plain tf.loadLayersModel + the same preprocessing; bad files skipped with exit 3', async () => {
    const bad = path.join(work, 'broken.png');
    fs.writeFileSync(bad, 'this is not an image');
    const r = await runCli(['predict', '--model', runDir, path.join(data, 'test', '*', '*.png'), bad, '--json', '--top-k', '3', '--batch-size', '4']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/skipped .*broken\.png/);
    const j = JSON.parse(r.stdout);
    expect(j.count).toBe(10);
    expect(j.skipped.map((s: { id: string }) => s.id)).toEqual([bad]);
    const files: string[] = j.predictions.map((p: { file: string }) => p.file);
    expect(files.filter((f) => /-1\.png$/.test(f)).length).toBe(3); // the 12x10 images, resized
    const reference = await plainPredict(files);
    j.predictions.forEach((p: { top: { label: string; probability: number }[] }, i: number) => {
      const ref = reference[i];
      const order = ref.map((_, c) => c).sort((a, b) => ref[b] - ref[a]);
      expect(p.top.map((t) => t.label)).toEqual(order.map((c) => CLASSES[c]));
      p.top.forEach((t, k) => expect(t.probability).toBeCloseTo(ref[order[k]], 6));
    });
  });

  test('CSV output, folders searched recursively, exit 0 when nothing was skipped', async () => {
    const r = await runCli(['predict', '--model', runDir, path.join(data, 'test', 'blue'), '--csv', '--top-k', '1']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('file,label_1,probability_1');
    expect(lines).toHaveLength(4);
    for (const l of lines.slice(1)) expect(l.split(',')[1]).toBe('blue');
  });

  test('a pattern matching nothing is reported; nothing to predict is exit 3', async () => {
    const r = await runCli(['predict', '--model', runDir, path.join(work, 'none', '*.jpg'), '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no images to predict|matches no files/);
  });
});
