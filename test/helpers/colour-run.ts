// Test fixtures for the evaluate room: tiny real PNG folders made with sharp, and a real tl run
// directory whose model classifies by dominant colour (hand-set weights, no training needed).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { loadTf } from '../../src/native/load';
import { loadDataset, writeSplitAssignment } from '../../src/data';
import type { InputSpec } from '../../src/data';
import { writeRunDirectory } from '../../src/models';
import type { TlJson } from '../../src/models';

import { tempDir } from './temp';
export { tempDir };

export const CLASSES = ['blue', 'green', 'red'];
/** RGB channel that dominates each class (index into CLASSES order of channels r,g,b). */
const CHANNEL_OF: Record<string, number> = { red: 0, green: 1, blue: 2 };
export const INPUT: InputSpec = { height: 8, width: 8, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'cover' };

/**
 * A PNG of `w`x`h` whose pixels are mostly `channel` (0,1,2 = r,g,b) with seeded noise;
 * `second`, when given, is a weaker but clear runner-up channel.
 */
export async function colourPng(file: string, channel: number, seed: number, w = 8, h = 8, second?: number): Promise<void> {
  const px = Buffer.alloc(w * h * 3);
  let s = seed * 7919 + 17;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) {
      px[i * 3 + c] = c === channel ? 150 + Math.floor(rand() * 100) : c === second ? 100 + Math.floor(rand() * 20) : Math.floor(rand() * 60);
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

/**
 * A pre-split folder: train/val/test x blue/green/red. The test split holds `perClass` images
 * per class plus, when `mistake` is set, one image in test/red that is really green (a
 * confident mistake). Some images are 12x10 so resizing is exercised.
 */
export async function makeColourFolder(root: string, perClass = 3, mistake = true): Promise<void> {
  let seed = 1;
  for (const split of ['train', 'val', 'test']) {
    for (const cls of CLASSES) {
      const n = split === 'test' ? perClass : 2;
      for (let i = 0; i < n; i++) {
        const big = i % 2 === 1;
        await colourPng(path.join(root, split, cls, `${cls}-${i}.png`), CHANNEL_OF[cls], seed++, big ? 12 : 8, big ? 10 : 8);
      }
    }
  }
  // Green first, red (its folder's class) a clear second: wrong at top-1, right at top-2.
  if (mistake) await colourPng(path.join(root, 'test', 'red', 'really-green.png'), CHANNEL_OF.green, 999, 8, 8, CHANNEL_OF.red);
}

/**
 * The colour model: global average pooling, then dense with weights 12 on the matching channel
 * and -6 elsewhere, softmax. Output order = CLASSES (blue, green, red).
 */
export function colourModel() {
  const tf = loadTf();
  const model = tf.sequential({ name: 'colour' });
  model.add(tf.layers.globalAveragePooling2d({ inputShape: [INPUT.height, INPUT.width, 3], name: 'features' }));
  model.add(tf.layers.dense({ units: CLASSES.length, activation: 'softmax', name: 'probs' }));
  const kernel = new Float32Array(3 * CLASSES.length).fill(-6);
  CLASSES.forEach((cls, j) => (kernel[CHANNEL_OF[cls] * CLASSES.length + j] = 12));
  const k = tf.tensor2d(kernel, [3, CLASSES.length]);
  const b = tf.zeros([CLASSES.length]);
  model.getLayer('probs').setWeights([k, b]);
  k.dispose();
  b.dispose();
  return model;
}

/** Writes a complete run directory (model, labels, tl.json, split.json, history.csv) for `dataRoot`. */
export async function makeColourRun(runDir: string, dataRoot: string): Promise<void> {
  const ds = await loadDataset(dataRoot);
  const model = colourModel();
  const tl: TlJson = {
    tlVersion: '0.1.0',
    kind: 'transfer',
    base: 'test-colour',
    featureLayer: 'features',
    input: INPUT,
    split: { spec: dataRoot, seed: ds.splitConfig.seed, valSplit: ds.splitConfig.valSplit, testSplit: ds.splitConfig.testSplit, presplit: true, assignmentFile: 'split.json' },
    config: { note: 'hand-set weights for tests' },
    timings: {},
  };
  const history = [
    { phase: 1 as const, epoch: 1, loss: 1.0, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.45, lr: 0.001, seconds: 1 },
    { phase: 1 as const, epoch: 2, loss: 0.6, accuracy: 0.7, valLoss: 0.7, valAccuracy: 0.66, lr: 0.001, seconds: 1 },
    { phase: 2 as const, epoch: 1, loss: 0.3, accuracy: 0.9, valLoss: 0.4, valAccuracy: 0.85, lr: 0.0001, seconds: 1 },
  ];
  await writeRunDirectory(runDir, {
    model,
    labels: ds.classes,
    tl,
    history,
    extraFiles: { 'split.json': JSON.stringify(writeSplitAssignment(ds)) },
  }, { overwrite: true });
  model.dispose();
}
