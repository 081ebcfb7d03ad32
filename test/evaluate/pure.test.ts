// Fast tests of the evaluate room's pure helpers: the threshold gate, label mapping, top-k
// lists and predict's argument expansion (globs over a temp folder). No TensorFlow.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkThresholds, describeFailures } from '../../src/evaluate/gate';
import { mapLabelsByName } from '../../src/evaluate/labels';
import { expandInputs, matchGlob, segmentRegExp } from '../../src/evaluate/inputs';
import { topPredictions } from '../../src/evaluate/runner';

describe('threshold gate', () => {
  const m = { accuracy: 0.82, macro: { precision: 0.8, recall: 0.8, f1: 0.79 } };

  test('passes with no thresholds and when met exactly', () => {
    expect(checkThresholds(m, {})).toEqual({ passed: true, checks: [] });
    expect(checkThresholds(m, { minAccuracy: 0.82 }).passed).toBe(true);
  });

  test('names the failed threshold and the shortfall', () => {
    const g = checkThresholds(m, { minAccuracy: 0.9, minF1: 0.5 });
    expect(g.passed).toBe(false);
    expect(g.checks.map((c) => [c.flag, c.passed])).toEqual([
      ['--min-accuracy', false],
      ['--min-f1', true],
    ]);
    expect(g.checks[0].shortBy).toBeCloseTo(0.08, 12);
    expect(describeFailures(g)).toEqual(['accuracy 0.8200 is below --min-accuracy 0.9 by 0.0800']);
  });
});

test('label mapping names every unknown class', () => {
  expect(() => mapLabelsByName(['a', 'x', 'y'], ['a', 'b'], '--data d')).toThrow(/classes the model does not know: 'x', 'y'/);
});

test('top predictions are sorted, ties by index, k clipped to the class count', () => {
  expect(topPredictions([0.2, 0.5, 0.3], ['a', 'b', 'c'], 2)).toEqual([
    { label: 'b', probability: 0.5 },
    { label: 'c', probability: 0.3 },
  ]);
  expect(topPredictions([0.5, 0.5], ['a', 'b'], 5).map((t) => t.label)).toEqual(['a', 'b']);
});

describe('predict inputs', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-inputs-'));
    for (const f of ['a/x1.jpg', 'a/x2.png', 'a/.hidden.jpg', 'a/notes.txt', 'b/c/y1.jpg', 'b/y2.JPG', 'z.png']) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), 'x');
    }
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const isImage = (n: string) => /\.(jpe?g|png)$/i.test(n);
  const rel = (files: string[]) => files.map((f) => path.relative(root, f).split(path.sep).join('/'));

  test('segment patterns: * and ? stay inside a segment and skip hidden names', () => {
    expect(segmentRegExp('x?.jpg').test('x1.jpg')).toBe(true);
    expect(segmentRegExp('*.jpg').test('.hidden.jpg')).toBe(false);
    expect(segmentRegExp('.*.jpg').test('.hidden.jpg')).toBe(true);
    expect(segmentRegExp('a+b(1).jpg').test('a+b(1).jpg')).toBe(true);
  });

  test('globs, ** and folders expand to sorted files', async () => {
    expect(rel(await matchGlob('a/*.jpg', root))).toEqual(['a/x1.jpg']);
    expect(rel(await matchGlob('*/x?.*', root))).toEqual(['a/x1.jpg', 'a/x2.png']);
    expect(rel(await matchGlob('**/*.jpg', root))).toEqual(['a/x1.jpg', 'b/c/y1.jpg']);
    const e = await expandInputs(['b', 'z.png', 'a/*.png', 'a/x2.png', 'missing.jpg', 'q/*.jpg'], isImage, root);
    expect(rel(e.files)).toEqual(['b/c/y1.jpg', 'b/y2.JPG', 'z.png', 'a/x2.png']);
    expect(e.missing).toEqual([
      { id: 'missing.jpg', reason: 'no such file or folder' },
      { id: 'q/*.jpg', reason: 'the pattern matches no files' },
    ]);
  });

  test('a file is taken as given even without an image extension (decoding decides)', async () => {
    const e = await expandInputs(['a/notes.txt'], isImage, root);
    expect(rel(e.files)).toEqual(['a/notes.txt']);
  });
});

describe('terminal rendering', () => {
  // Imported lazily: the command modules are cheap (no TensorFlow) but pull in commander.
  const rows = [{ file: path.join(process.cwd(), 'a.jpg'), top: [{ label: 'cat', probability: 0.9 }, { label: 'dog', probability: 0.1 }] }];

  test('predict table: colour on a terminal, none with NO_COLOR', async () => {
    const { tableRows, csvHeader, csvRow } = await import('../../src/cli/commands/predict');
    const { Output } = await import('../../src/cli/output');
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      const coloured = tableRows(rows, new Output({ json: false, verbose: false, isTTY: true }));
      expect(coloured[0]).toMatch(/\u001b\[1mcat 90\.0%/);
      process.env.NO_COLOR = '';
      const plain = tableRows(rows, new Output({ json: false, verbose: false, isTTY: true }));
      expect(plain).toEqual(['a.jpg  cat 90.0%  dog 10.0%']);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
    expect(csvHeader(2)).toBe('file,label_1,probability_1,label_2,probability_2');
    expect(csvRow({ file: 'x,y.jpg', top: [{ label: 'cat', probability: 0.5 }] })).toBe('"x,y.jpg",cat,0.5');
  });
});
