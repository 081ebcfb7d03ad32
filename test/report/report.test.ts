// The report room: chart SVGs (pure), their rendering to PNG through sharp, the
// self-contained HTML page, thumbnails, CSV and atomic writes. No TensorFlow.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {
  buildReportHtml,
  confusionMatrixCsv,
  confusionMatrixSvg,
  escapeHtml,
  fineTuneStart,
  learningCurvePoints,
  learningCurvesPng,
  learningCurvesSvg,
  perClassF1Svg,
  svgToPng,
  toDisplayBytes,
  writeFilesAtomic,
} from '../../src/report';
import { escapeXml, niceDomain, niceStep, textWidth, truncateText } from '../../src/report/svg';
import { computeMetrics } from '../../src/evaluate/metrics';
import { preprocessInto } from '../../src/data';
import type { Preprocessing } from '../../src/data';

const history = [
  { phase: 1 as const, epoch: 1, loss: 1.0, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.4 },
  { phase: 1 as const, epoch: 2, loss: 0.7, accuracy: 0.6 },
  { phase: 2 as const, epoch: 1, loss: 0.4, accuracy: 0.8, valLoss: 0.5, valAccuracy: 0.75 },
];

/** Perceived brightness 0..255 of '#rrggbb'. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

describe('charts', () => {
  test('learning curves number epochs across phases and mark where fine-tuning starts', () => {
    const pts = learningCurvePoints(history);
    expect(pts.filter((p) => p.metric === 'accuracy' && p.series === 'train').map((p) => p.step)).toEqual([1, 2, 3]);
    // epoch 2 has no validation figures: no point rather than a zero
    expect(pts.filter((p) => p.series === 'validation' && p.metric === 'loss').map((p) => p.step)).toEqual([1, 3]);
    expect(fineTuneStart(history)).toBe(2.5);
    expect(fineTuneStart(history.slice(0, 2))).toBeUndefined();
  });

  test('confusion matrix: counts as cell text, colour by row share, an empty row white', () => {
    const svg = confusionMatrixSvg(['b', 'a'], [[3, 1], [0, 0]]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/<text[^>]*>3<\/text>/);
    expect(svg).toMatch(/<text[^>]*>1<\/text>/);
    // Cells in row-major order: (b,b) 0.75 of its row, (b,a) 0.25, then the 0-support row.
    const fills = [...svg.matchAll(/<rect class="cell"[^>]* fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(fills).toHaveLength(4);
    const [bb, ba, ab, aa] = fills.map(luminance);
    expect(bb).toBeLessThan(ba - 60);
    expect(ab).toBeGreaterThan(245);
    expect(aa).toBeGreaterThan(245);
    // The darker cell's count is white, the lighter one's black.
    expect(svg).toMatch(/<text[^>]*fill="white"[^>]*>3<\/text>/);
    expect(svg).toMatch(/<text[^>]*fill="black"[^>]*>1<\/text>/);
    expect(svg).toContain('>predicted class</text>');
    expect(svg).toContain('>true class</text>');
  });

  test('confusion matrix escapes class names, and the SVG renders', async () => {
    const svg = confusionMatrixSvg(['<cat>', 'R&D "x"'], [[2, 1], [0, 4]]);
    expect(svg).toContain('>&lt;cat&gt;</text>');
    expect(svg).toContain('>R&amp;D &quot;x&quot;</text>');
    expect(svg).not.toContain('<cat>');
    const meta = await sharp(await svgToPng(svg, 1)).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(160);
  });

  test('confusion matrix: no cell numbers above 20 classes, long names cut with an ellipsis', () => {
    const labels = Array.from({ length: 21 }, (_, i) => `class-${i}`);
    const counts = labels.map((_, t) => labels.map((__, p) => (t === p ? 5 : 0)));
    expect(confusionMatrixSvg(labels, counts)).not.toMatch(/<text[^>]*>5<\/text>/);
    const long = 'a-very-long-class-name-that-goes-on-and-on-and-on';
    const svg = confusionMatrixSvg([long, 'b'], [[1, 0], [0, 1]]);
    expect(svg).not.toContain(`>${long}</text>`); // the full name stays in the cells' tooltips only
    expect(svg).toMatch(/>a-very-long[^<]*…<\/text>/);
  });

  test('F1 chart has the class names and values as text', () => {
    const svg = perClassF1Svg([{ label: 'tabby-cat', f1: 0.8, support: 3 }, { label: 'dog', f1: 0.5, support: 2 }]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>F1 score per class</text>');
    expect(svg).toMatch(/<text[^>]*>tabby-cat<\/text>/);
    expect(svg).toMatch(/<text[^>]*>dog<\/text>/);
    expect(svg).toMatch(/<text[^>]*>0\.800<\/text>/);
    expect(svg).toMatch(/<text[^>]*>0\.500<\/text>/);
    // The 0.8 bar is longer than the 0.5 one.
    const widths = [...svg.matchAll(/<rect class="bar"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0] / widths[1]).toBeCloseTo(0.8 / 0.5, 2);
  });

  test('learning curves: the fine-tuning rule only when there is a phase 2', () => {
    const both = learningCurvesSvg(history);
    expect(both).toContain('>Accuracy</text>');
    expect(both).toContain('>Loss</text>');
    expect(both).toContain('>train</text>'); // legend
    expect(both).toContain('>validation</text>');
    expect(both.match(/class="fine-tune-rule"/g)).toHaveLength(2); // one per panel
    expect(both).toContain('>fine-tuning starts</text>');
    const phase1 = learningCurvesSvg(history.slice(0, 2));
    expect(phase1).not.toContain('fine-tune-rule');
    expect(phase1).not.toContain('fine-tuning starts');
  });

  test('learning curves survive odd histories', async () => {
    const odd = [
      [],
      [history[0]],
      [{ phase: 1 as const, epoch: 1, loss: NaN, accuracy: 0.5 }, { phase: 1 as const, epoch: 2, loss: NaN, accuracy: 0.5 }],
      [{ phase: 1 as const, epoch: 1, loss: 0.3, accuracy: 1 }, { phase: 1 as const, epoch: 2, loss: 0.3, accuracy: 1 }],
      [{ phase: 2 as const, epoch: 1, loss: 0.3, accuracy: 1 }],
    ];
    for (const h of odd) {
      const svg = learningCurvesSvg(h);
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
      await expect(svgToPng(svg, 1)).resolves.toBeInstanceOf(Buffer);
    }
    // A single epoch still shows its markers (train and validation, in both panels).
    expect(learningCurvesSvg([history[0]]).match(/<circle /g)).toHaveLength(4 + 2); // + 2 in the legend
  });

  test('learning curves of hundreds of epochs are lines without a marker per epoch', () => {
    const long = Array.from({ length: 500 }, (_, i) => ({ phase: 1 as const, epoch: i + 1, loss: 1 / (i + 1), accuracy: i / 500, valLoss: 1.1 / (i + 1), valAccuracy: i / 600 }));
    const svg = learningCurvesSvg(long);
    expect(svg.match(/<circle /g)).toHaveLength(2); // the legend's
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(learningCurvesSvg(long.slice(0, 60)).match(/<circle /g)).toHaveLength(4 * 60 + 2);
  });

  test('SVG helpers: round loss axes, escaping, truncation', () => {
    expect(niceDomain(0, 1.8)).toEqual({ domain: [0, 2], ticks: [0, 0.5, 1, 1.5, 2] });
    expect(niceDomain(0, 0.3).ticks).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceDomain(0, 0).domain).toEqual([0, 1]); // all-zero loss
    expect(niceDomain(0, 37).domain).toEqual([0, 40]);
    expect(niceStep(11, 6, 1)).toBe(2); // epoch axes: whole-number steps
    expect(niceStep(0.5, 6, 1)).toBe(1);
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(truncateText('short', 120, 11)).toBe('short');
    const cut = truncateText('x'.repeat(100), 120, 11);
    expect(cut.endsWith('…')).toBe(true);
    expect(textWidth(cut, 11)).toBeLessThanOrEqual(120);
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
