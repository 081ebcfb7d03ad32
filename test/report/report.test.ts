// The report room: chart specs (pure), their rendering through vega to SVG and PNG, the
// self-contained HTML page, thumbnails, CSV and atomic writes. No TensorFlow.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {
  buildReportHtml,
  confusionMatrixCsv,
  confusionMatrixSpec,
  escapeHtml,
  fineTuneStart,
  learningCurvePoints,
  learningCurvesPng,
  perClassF1Spec,
  toDisplayBytes,
  vegaLiteToSvg,
  writeFilesAtomic,
} from '../../src/report';
import { computeMetrics } from '../../src/evaluate/metrics';
import { preprocessInto } from '../../src/data';
import type { Preprocessing } from '../../src/data';

const history = [
  { phase: 1 as const, epoch: 1, loss: 1.0, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.4 },
  { phase: 1 as const, epoch: 2, loss: 0.7, accuracy: 0.6 },
  { phase: 2 as const, epoch: 1, loss: 0.4, accuracy: 0.8, valLoss: 0.5, valAccuracy: 0.75 },
];

describe('chart specs', () => {
  test('learning curves number epochs across phases and mark where fine-tuning starts', () => {
    const pts = learningCurvePoints(history);
    expect(pts.filter((p) => p.metric === 'accuracy' && p.series === 'train').map((p) => p.step)).toEqual([1, 2, 3]);
    // epoch 2 has no validation figures: no point rather than a zero
    expect(pts.filter((p) => p.series === 'validation' && p.metric === 'loss').map((p) => p.step)).toEqual([1, 3]);
    expect(fineTuneStart(history)).toBe(2.5);
    expect(fineTuneStart(history.slice(0, 2))).toBeUndefined();
  });

  test('confusion matrix colours by row share and keeps label order', () => {
    const spec = confusionMatrixSpec(['b', 'a'], [[3, 1], [0, 0]]) as { data: { values: { actual: string; predicted: string; count: number; fraction: number }[] } };
    expect(spec.data.values).toEqual([
      { actual: 'b', predicted: 'b', count: 3, fraction: 0.75 },
      { actual: 'b', predicted: 'a', count: 1, fraction: 0.25 },
      { actual: 'a', predicted: 'b', count: 0, fraction: 0 },
      { actual: 'a', predicted: 'a', count: 0, fraction: 0 },
    ]);
  });

  test('vega renders the specs to SVG with the class names as text', async () => {
    const svg = await vegaLiteToSvg(perClassF1Spec([{ label: 'tabby-cat', f1: 0.8, support: 3 }, { label: 'dog', f1: 0.5, support: 2 }]));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/<text[^>]*>tabby-cat<\/text>/);
    expect(svg).toMatch(/<text[^>]*>0\.800<\/text>/);
    const cm = await vegaLiteToSvg(confusionMatrixSpec(['x', 'y'], [[2, 1], [0, 4]]));
    expect(cm).toMatch(/<text[^>]*>4<\/text>/);
  });

  test('learning curves PNG: real pixels, not a blank image', async () => {
    const png = await learningCurvesPng(history);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(800); // two 320 px panels at 2x
    const stats = await sharp(png).stats();
    expect(stats.channels[0].min).toBeLessThan(80); // dark text and lines on white
    expect(stats.channels[0].max).toBe(255);
  });
});

describe('report.html', () => {
  const metrics = computeMetrics(
    { labels: ['<cat>', 'dog'], ids: ['a&b.jpg', 'c.jpg', 'd.jpg'], yTrue: [0, 1, 1], probs: [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]] },
    { mistakes: 5 },
  );
  const tinyPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

  test('is one self-contained page with escaped text', () => {
    const html = buildReportHtml({
      title: 'Evaluation of run',
      model: 'runs/x',
      data: 'test split',
      createdAt: new Date('2025-01-01T00:00:00Z'),
      metrics,
      gate: { passed: false, checks: [{ name: 'accuracy', flag: '--min-accuracy', required: 0.9, actual: 0.6667, passed: false, shortBy: 0.2333 }] },
      skipped: [{ id: 'bad.jpg', reason: 'truncated' }],
      images: { confusionMatrix: tinyPng, perClassF1: tinyPng },
      mistakeThumbnails: ['data:image/jpeg;base64,AAAA'],
      runConfig: { base: 'm<1>' },
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(?!data:)/); // every image and link is inline
    expect(html).toContain('&lt;cat&gt;');
    expect(html).not.toContain('<cat>');
    expect(html).toContain('m&lt;1&gt;');
    expect(html).toContain('Quality gate failed');
    expect(html).toContain('bad.jpg');
    expect(html).not.toContain('Learning curves'); // no history given
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });
});

test('thumbnail pixels undo each preprocessing', () => {
  const bytes = Uint8Array.from([0, 17, 128, 200, 255, 3]);
  const preps: Preprocessing[] = [
    { kind: 'scale01' },
    { kind: 'scaleMinus1To1' },
    { kind: 'meanStd', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  ];
  for (const p of preps) {
    const x = new Float32Array(bytes.length);
    preprocessInto(bytes, 3, p, x, 0);
    expect(Array.from(toDisplayBytes(x, 3, p))).toEqual(Array.from(bytes));
  }
});

test('confusion matrix CSV quotes names that need it', () => {
  expect(confusionMatrixCsv(['a,b', 'say "hi"'], [[1, 2], [3, 4]])).toBe('true\\predicted,"a,b","say ""hi"""\n"a,b",1,2\n"say ""hi""",3,4\n');
});

describe('atomic writes', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-atomic-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('writes all files and leaves no temporary names', async () => {
    await writeFilesAtomic(dir, { 'a.json': '{}', 'b.png': Buffer.from([1, 2]) });
    expect(fs.readdirSync(dir).sort()).toEqual(['a.json', 'b.png']);
  });

  test('a failure part-way leaves the previous files untouched and no temporaries', async () => {
    fs.writeFileSync(path.join(dir, 'a.json'), 'old');
    await expect(writeFilesAtomic(dir, { 'a.json': 'new', 'sub/b.png': 'x' })).rejects.toThrow(/must not contain a folder/);
    expect(fs.readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['a.json']);
  });
});
