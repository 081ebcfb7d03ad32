// Teachable Machine's metadata.json: written beside model.json exactly when @teachablemachine/image
// would feed the model what it expects (224x224 RGB, x/127 - 1, centre crop); tl.json says why not otherwise.
import * as fs from 'fs';
import * as path from 'path';
import { loadTf } from '../../src/native/load';
import { writeRunDirectory, type TlJson } from '../../src/models';
import { teachableMachineMetadata, teachableMachineMismatch } from '../../src/models/teachable-machine';
import type { InputSpec } from '../../src/data/types';
import { tempDir } from './helpers';

const tf = loadTf();
const TM_INPUT: InputSpec = { height: 224, width: 224, channels: 3, preprocessing: { kind: 'scaleMinus1To1' }, resize: 'cover' };
let root: string;
beforeEach(() => {
  root = tempDir('tm');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function tlJson(input: InputSpec): TlJson {
  return { tlVersion: '9.8.7', kind: 'pretrain', featureLayer: 'f', input, split: { spec: 'x', seed: 1, valSplit: 0.1, testSplit: 0.1 }, config: {}, timings: {} };
}

/** Global average pooling + dense: tiny, and accepts any input size. */
function tinyModel(input: InputSpec) {
  const model = tf.sequential();
  model.add(tf.layers.globalAveragePooling2d({ inputShape: [input.height, input.width, input.channels] }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  return model;
}

test('the format fits only 224x224 RGB fed as x/127 - 1 after a centre crop; each mismatch is named', () => {
  expect(teachableMachineMismatch(TM_INPUT)).toBeUndefined();
  expect(teachableMachineMismatch({ ...TM_INPUT, height: 28, width: 28 })).toMatch(/input is 28x28, the format is 224x224/);
  expect(teachableMachineMismatch({ ...TM_INPUT, channels: 1 })).toMatch(/1 channel\(s\), the format feeds RGB/);
  expect(teachableMachineMismatch({ ...TM_INPUT, preprocessing: { kind: 'scale01' } })).toMatch(/scale01, the format feeds x\/127 - 1/);
  expect(teachableMachineMismatch({ ...TM_INPUT, resize: 'fill' })).toMatch(/'fill'/);
  const made = teachableMachineMetadata({ input: TM_INPUT, labels: ['a', 'b'], modelName: 'run1', tfjsVersion: '4.22.0', tlVersion: '9.8.7', now: new Date(0) });
  expect(made).toEqual({
    metadata: { tfjsVersion: '4.22.0', tmVersion: expect.any(String), packageVersion: '9.8.7', packageName: 'tl-transfer', modelName: 'run1', timeStamp: '1970-01-01T00:00:00.000Z', labels: ['a', 'b'], imageSize: 224 },
  });
});

test('a 224x224 RGB [-1,1] run gets metadata.json with its labels; tl.json and its file list say so', async () => {
  const model = tinyModel(TM_INPUT);
  const out = path.join(root, 'fits');
  await writeRunDirectory(out, { model, labels: ['cat', 'dog'], tl: tlJson(TM_INPUT) }, { overwrite: false });
  model.dispose();
  const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
  expect(meta.labels).toEqual(['cat', 'dog']);
  expect(meta.imageSize).toBe(224);
  expect(meta.modelName).toBe('fits');
  expect(meta.packageVersion).toBe('9.8.7');
  expect(meta.tfjsVersion).toMatch(/^\d+\.\d+\.\d+$/);
  expect(Number.isNaN(Date.parse(meta.timeStamp))).toBe(false);
  const tl = JSON.parse(fs.readFileSync(path.join(out, 'tl.json'), 'utf8'));
  expect(tl.teachableMachine).toEqual({ metadataFile: 'metadata.json' });
  expect(tl.files).toContain('metadata.json');
});

test('a grey 28x28 run gets no metadata.json, and tl.json says why', async () => {
  const input: InputSpec = { height: 28, width: 28, channels: 1, preprocessing: { kind: 'scale01' }, resize: 'cover' };
  const model = tinyModel(input);
  const out = path.join(root, 'grey');
  await writeRunDirectory(out, { model, labels: ['a', 'b'], tl: tlJson(input) }, { overwrite: false });
  model.dispose();
  expect(fs.existsSync(path.join(out, 'metadata.json'))).toBe(false);
  const tl = JSON.parse(fs.readFileSync(path.join(out, 'tl.json'), 'utf8'));
  expect(tl.teachableMachine.notWritten).toMatch(/cannot express this model: input is 28x28.*1 channel/);
});
