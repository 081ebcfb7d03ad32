// The pure parts of tl assess: the input and data checks, the verdict rule, fold assignment and
// the paired standard error. No TensorFlow: milliseconds.
import { dataSize, decideVerdict, inputMatch, LIKELY_MARGIN } from '../../src/assess/conditions';
import { pairedStandardError, stratifiedFolds, foldCount, standardize } from '../../src/assess/linear-probe';
import { buildAssessHtml } from '../../src/report/assess';
import type { AssessResult, LayerProbe } from '../../src/assess/types';
import type { InputSpec } from '../../src/data/types';

const PHOTO_NET: InputSpec = { height: 224, width: 224, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'cover' };
const probe = (layer: string, accuracy: number, randomBase: number, gainSe = 0.01): LayerProbe => ({ layer, accuracy, randomBase, gainSe, features: 8, sd: 0.02 });
const bigBase = dataSize([20, 20, 20], { data: 'ImageNet', images: 1_281_167, classes: 1000 });

describe('input match', () => {
  test('28x28 grey into a 224x224 colour network is flagged as far from its domain', () => {
    const m = inputMatch(PHOTO_NET, { height: 28, width: 28, channels: 1 });
    expect(m.channels).toBe('grey into colour');
    expect(m.upscale).toBe(8);
    expect(m.warnings.join(' ')).toMatch(/28x28 grey images into a 224x224 colour network/);
  });
  test('photos of about the base size raise no warning', () => {
    expect(inputMatch(PHOTO_NET, { height: 300, width: 400, channels: 3 }).warnings).toEqual([]);
  });
  test('unknown image size is said, not guessed', () => {
    expect(inputMatch(PHOTO_NET, undefined).channels).toBe('unknown');
  });
});

describe('data size', () => {
  test('images per class of the base against yours', () => {
    expect(bigBase.base?.perClass).toBe(1281);
    expect(bigBase.ratio).toBeCloseTo(1281 / 20);
    expect(bigBase.notes).toEqual([]);
  });
  test('a base with little more data than yours gets a note', () => {
    const s = dataSize([100, 120], { data: 'x', images: 600, classes: 2 });
    expect(s.ratio).toBeCloseTo(300 / 110);
    expect(s.notes.join(' ')).toMatch(/from scratch may do as well/);
  });
});

describe('verdict', () => {
  test('features well above both baselines: likely, at the best layer', () => {
    const v = decideVerdict([probe('a', 0.8, 0.5), probe('b', 0.9, 0.6)], 0.7, bigBase);
    expect(v.verdict).toBe('likely');
    expect(v.best.layer).toBe('b');
    expect(v.margin).toBeCloseTo(0.2);
    expect(v.reasons[0]).toMatch(/beat pixels by 20.0 points/);
  });
  test('features no better than pixels: unlikely', () => {
    expect(decideVerdict([probe('a', 0.705, 0.6)], 0.7, bigBase).verdict).toBe('unlikely');
  });
  test('the random copy is a baseline too', () => {
    const v = decideVerdict([probe('a', 0.9, 0.9)], 0.5, bigBase);
    expect(v.verdict).toBe('unlikely');
    expect(v.reasons[0]).toMatch(/random copy/);
  });
  test('a gain within noise is not called likely', () => {
    expect(decideVerdict([probe('a', 0.7 + LIKELY_MARGIN + 0.01, 0.5, 0.03)], 0.7, bigBase).verdict).toBe('uncertain');
    // within one standard error of zero: no evidence the features help
    expect(decideVerdict([probe('a', 0.72, 0.5, 0.03)], 0.7, bigBase).verdict).toBe('unlikely');
  });
  test('a base without far more data than yours is at most uncertain', () => {
    const small = dataSize([100, 100], { data: 'x', images: 400, classes: 2 });
    expect(decideVerdict([probe('a', 0.95, 0.5)], 0.7, small).verdict).toBe('uncertain');
  });
});

describe('probe helpers', () => {
  test('stratified folds hold every class in each fold', () => {
    const labels = Int32Array.from({ length: 50 }, (_, i) => i % 2);
    const folds = stratifiedFolds(labels, 5, 1);
    for (let f = 0; f < 5; f++) {
      const rows = labels.filter((_, i) => folds[i] === f);
      expect(rows.filter((l) => l === 0).length).toBe(5);
      expect(rows.filter((l) => l === 1).length).toBe(5);
    }
    expect(foldCount(Int32Array.from([0, 0, 0, 1, 1, 1]), 5)).toBe(3);
    expect(() => foldCount(Int32Array.from([0, 0, 1]), 5)).toThrow(/at least 2 per class/);
  });
  test('standardize uses only the chosen rows and zeroes constant columns', () => {
    const z = standardize({ x: Float32Array.from([1, 5, 3, 5, 100, 5]), rows: 3, cols: 2 }, (r) => r < 2);
    expect(Array.from(z).map((v) => Math.round(v * 100) / 100)).toEqual([-1, 0, 1, 0, 98, 0]);
  });
  test('paired standard error: zero for identical results, positive otherwise', () => {
    expect(pairedStandardError(Uint8Array.from([1, 0, 1, 1]), Uint8Array.from([1, 0, 1, 1]))).toBe(0);
    const se = pairedStandardError(Uint8Array.from([1, 1, 1, 1, 0, 0, 1, 1]), Uint8Array.from([0, 1, 0, 1, 0, 0, 1, 1]));
    expect(se).toBeCloseTo(Math.sqrt((2 / 8 - (2 / 8) ** 2) / 7));
  });
});

test('the HTML section names the verdict, each layer and both baselines, and escapes text', () => {
  const r: AssessResult = {
    verdict: 'likely',
    reasons: ['the base<s> features beat pixels'],
    base: { ref: 'base<x>', name: 'b', description: '' },
    dataSpec: 'mnist:5-9',
    inputMatch: inputMatch(PHOTO_NET, { height: 28, width: 28, channels: 1 }),
    dataSize: bigBase,
    probes: [probe('block_13', 0.93, 0.2), probe('block_4', 0.87, 0.79)],
    baselines: { pixels: 0.88, randomBase: 0.2 },
    suggestedCutLayer: 'block_13',
    margin: 0.05,
    probe: { images: 100, folds: 5, steps: 300, pixelShape: [28, 28, 1] },
    seconds: 3,
  };
  const html = buildAssessHtml(r, new Date(0));
  expect(html).toContain('Transfer is likely to help.');
  expect(html).toContain('block_13 <b>(suggested cut)</b>');
  expect(html).toContain('raw pixels 28x28x1');
  expect(html).toContain('88.0%');
  expect(html).toContain('base&lt;x&gt;');
  expect(html).not.toContain('<s>');
  expect(html).toMatch(/28x28 grey images into a 224x224 colour network/);
});
