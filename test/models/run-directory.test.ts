// The run directory format: write -> read -> predict gives identical outputs, files are plain tfjs
// (loadable without tl), writes are atomic, an existing --out is refused unless overwrite.
import * as fs from 'fs';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../../src/native/load';
import { ModelError, UsageError } from '../../src/errors';
import {
  buildHead,
  cutAt,
  defaultHeadConfig,
  formatHistoryCsv,
  parseHistoryCsv,
  readRunDirectory,
  resolveBase,
  stackModels,
  writeRunDirectory,
  type HistoryRow,
  type TlJson,
} from '../../src/models';
import { tempDir, tinyConvModel } from './helpers';

const tf = loadTf();
let root: string;
beforeEach(() => {
  root = tempDir('run');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const history: HistoryRow[] = [
  { phase: 1, epoch: 1, loss: 1.25, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.55, lr: 0.001, seconds: 2.5 },
  { phase: 1, epoch: 2, loss: 0.75, accuracy: 0.7, lr: 0.001, seconds: 2.25 },
  { phase: 2, epoch: 3, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.75, lr: 0.0001, seconds: 4 },
];

function tlJson(): TlJson {
  return {
    tlVersion: '0.1.0',
    kind: 'transfer',
    base: 'tiny',
    cutLayer: 'conv_b',
    featureLayer: 'conv_b_avgpool',
    input: { height: 8, width: 8, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'cover' },
    split: { spec: './imgs', seed: 42, valSplit: 0.1, testSplit: 0.1 },
    config: { head: defaultHeadConfig() },
    timings: { totalSeconds: 1 },
  };
}

function transferModel(): tfTypes.LayersModel {
  const { body } = cutAt(tinyConvModel(3), 'conv_b');
  return stackModels(body, buildHead(6, 4, defaultHeadConfig(), 5), 'transfer');
}

function predict(model: tfTypes.LayersModel): Float32Array {
  const x = tf.randomUniform([3, 8, 8, 3], 0, 1, 'float32', 11);
  const y = model.predict(x) as tfTypes.Tensor;
  const d = y.dataSync() as Float32Array;
  x.dispose();
  y.dispose();
  return d;
}

test('write -> read -> predict gives identical outputs; files are plain tfjs', async () => {
  expect(tf.getBackend()).toBe('tensorflow');
  const model = transferModel();
  const out = path.join(root, 'runs', 'a');
  await writeRunDirectory(out, { model, labels: ['a', 'b', 'c', 'd'], tl: tlJson(), metrics: { testAccuracy: 0.9 }, history, extraFiles: { 'split.json': '{}', 'plots/loss.svg': '<svg/>' } }, { overwrite: false });
  expect(fs.readdirSync(out).sort()).toEqual(['history.csv', 'labels.json', 'metrics.json', 'model.json', 'plots', 'split.json', 'tl.json', 'weights.bin']);
  expect(fs.readdirSync(path.join(root, 'runs'))).toEqual(['a']); // no temp sibling left
  const back = await readRunDirectory(out);
  expect(back.labels).toEqual(['a', 'b', 'c', 'd']);
  // tl.json lists every file written: what a later --overwrite may replace.
  expect(back.tl).toEqual({ ...tlJson(), teachableMachine: { notWritten: expect.stringMatching(/input is 8x8/) }, files: fs.readdirSync(out).sort() });
  expect(back.dir).toBe(out);
  expect(Array.from(predict(back.model))).toEqual(Array.from(predict(model)));
  // Plain tf.loadLayersModel reads it too (no tl needed), and via the model.json path.
  const plain = await tf.loadLayersModel(`file://${path.join(out, 'model.json')}`);
  expect(Array.from(predict(plain))).toEqual(Array.from(predict(model)));
  expect((await readRunDirectory(path.join(out, 'model.json'))).labels).toHaveLength(4);
  expect(parseHistoryCsv(fs.readFileSync(path.join(out, 'history.csv'), 'utf8'))).toEqual(history);
  expect(JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'))).toEqual({ testAccuracy: 0.9 });
  // As a base for a later transfer, the run's own feature layer is the default cut.
  const asBase = await resolveBase(out);
  expect(asBase.info).toMatchObject({ featureLayer: 'conv_b_avgpool', source: out, input: tlJson().input });
  expect(cutAt(asBase.model, asBase.info.featureLayer).body.outputs[0].shape).toEqual([null, 6]);
});

test('an existing --out is refused unless overwrite; overwrite replaces it whole', async () => {
  const model = transferModel();
  const out = path.join(root, 'b');
  const contents = { model, labels: ['a', 'b', 'c', 'd'], tl: tlJson() };
  await writeRunDirectory(out, { ...contents, extraFiles: { 'old.txt': 'x' } }, { overwrite: false });
  const err = await writeRunDirectory(out, contents, { overwrite: false }).catch((e) => e);
  expect(err).toBeInstanceOf(UsageError);
  expect(err.message).toContain(out);
  expect(err.hint).toContain('--overwrite');
  await writeRunDirectory(out, contents, { overwrite: true });
  expect(fs.existsSync(path.join(out, 'old.txt'))).toBe(false);
  expect(fs.existsSync(path.join(out, 'metrics.json'))).toBe(false);
  expect(fs.readdirSync(root)).toEqual(['b']);
  // A file put into the run since is not tl's: overwrite refuses, and the folder stays as it was.
  fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
  const refused = await writeRunDirectory(out, contents, { overwrite: true }).catch((e) => e);
  expect(refused).toBeInstanceOf(UsageError);
  expect(refused.message).toContain('it holds files tl did not write there (notes.txt)');
  expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
  expect(fs.readdirSync(root)).toEqual(['b']);
});

test('a failed write leaves nothing behind; mismatched labels are refused', async () => {
  const model = transferModel();
  const out = path.join(root, 'c');
  await expect(writeRunDirectory(out, { model, labels: ['a', 'b'], tl: tlJson() }, { overwrite: false })).rejects.toThrow(/2 class names for a model with 4 outputs/);
  // A model that cannot be saved (fails half way) must not leave a directory.
  const broken = { save: () => Promise.reject(new Error('disk full')), outputs: model.outputs } as unknown as tfTypes.LayersModel;
  await expect(writeRunDirectory(out, { model: broken, labels: ['a', 'b', 'c', 'd'], tl: tlJson() }, { overwrite: false })).rejects.toThrow(/could not write the run directory .*disk full/);
  expect(fs.readdirSync(root)).toEqual([]);
  await expect(writeRunDirectory(out, { model, labels: ['a', 'b', 'c', 'd'], tl: tlJson(), extraFiles: { '../x': 'y' } }, { overwrite: false })).rejects.toThrow(/unsafe/);
});

test('with a reload sample the saved model is read back and checked before it is published', async () => {
  const model = transferModel();
  const sample = { x: Float32Array.from({ length: 3 * 8 * 8 * 3 }, (_, i) => (i % 17) / 17), shape: [3, 8, 8, 3] };
  const out = path.join(root, 'checked');
  const before = tf.memory().numTensors;
  const written = await writeRunDirectory(out, { model, labels: ['a', 'b', 'c', 'd'], tl: tlJson(), reloadSample: sample }, { overwrite: false });
  expect(tf.memory().numTensors).toBe(before); // the reloaded copy is disposed
  expect(written.savedModelCheck).toEqual({ images: 3, maxAbsDiff: 0 });
  expect(JSON.parse(fs.readFileSync(path.join(out, 'tl.json'), 'utf8')).savedModelCheck).toEqual({ images: 3, maxAbsDiff: 0 });

  // A save that writes other weights than the model holds (here: the weights file overwritten
  // with zeros after saving) is caught by the check, and nothing is published.
  const faulty = Object.create(model) as tfTypes.LayersModel;
  faulty.save = async (url: Parameters<tfTypes.LayersModel["save"]>[0]) => {
    const r = await model.save(url);
    const weights = path.join(String(url).replace('file://', ''), 'weights.bin');
    fs.writeFileSync(weights, Buffer.alloc(fs.statSync(weights).size));
    return r;
  };
  const bad = path.join(root, 'faulty');
  const err = await writeRunDirectory(bad, { model: faulty, labels: ['a', 'b', 'c', 'd'], tl: tlJson(), reloadSample: sample }, { overwrite: false }).catch((e) => e);
  expect(err).toBeInstanceOf(ModelError);
  expect(err.message).toMatch(/the saved model does not reproduce the trained one: .* on 3 images/);
  expect(fs.readdirSync(root)).toEqual(['checked']);
});

test('reading names what is missing', async () => {
  await expect(readRunDirectory(path.join(root, 'nope'))).rejects.toThrow(/does not exist/);
  await expect(readRunDirectory(root)).rejects.toThrow(/has no model.json/);
  const out = path.join(root, 'd');
  await writeRunDirectory(out, { model: transferModel(), labels: ['a', 'b', 'c', 'd'], tl: tlJson() }, { overwrite: false });
  fs.unlinkSync(path.join(out, 'labels.json'));
  const err = await readRunDirectory(out).catch((e) => e);
  expect(err).toBeInstanceOf(ModelError);
  expect(err.message).toMatch(/has no labels.json/);
});

test('history.csv has a phase column and empty cells for missing validation values', () => {
  const csv = formatHistoryCsv(history);
  expect(csv.split('\n')[0]).toBe('phase,epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds');
  expect(csv.split('\n')[2]).toBe('1,2,0.75,0.7,,,0.001,2.25');
  expect(() => parseHistoryCsv('epoch,loss\n1,2\n')).toThrow(/header/);
});
