// `tl compare` on hand-made run directories (no training): only differing settings are listed,
// the overlaid curves hold one line per run and series in the run's own colour, the fine-tuning
// start is marked for runs that have one, and the command writes compare.html and a real PNG.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { comparison, readCompareRun } from '../../src/experiments';
import { compareCurvesSvg, runColour } from '../../src/report/compare-charts';
import { fakeRun } from './fixtures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-compare-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const dirs = [fakeRun(dir, 'a', 0, 6, 3), fakeRun(dir, 'b', 0.5, 6, 3), fakeRun(dir, 'c', 0.2, 8, 0)];

test('only the settings that differ are listed, then the metrics', () => {
  const c = comparison(dirs.map(readCompareRun));
  expect(c.differences).toEqual(['head.dropout']);
  expect(c.runs.map((r) => r.settings['head.dropout'])).toEqual([0, 0.5, 0.2]);
  expect(c.runs[1].metrics.valAccuracy).toBeCloseTo(0.75);
});

test('the curves have one line per run and series in each panel, each in its run colour', () => {
  const svg = compareCurvesSvg(dirs.map(readCompareRun));
  dirs.forEach((_, i) => {
    for (const series of ['train', 'validation']) {
      const lines = svg.match(new RegExp(`<polyline class="curve run-${i} series-${series}"[^>]*>`, 'g')) ?? [];
      expect(lines).toHaveLength(2); // accuracy and loss
      for (const l of lines) expect(l).toContain(`stroke="${runColour(i)}"`);
    }
  });
  expect(svg.match(/class="curve run-\d+ /g)).toHaveLength(dirs.length * 2 * 2);
  // fine-tuning starts for a and b (after epoch 6), not for c, in both panels
  expect(svg.match(/class="fine-tune-rule run-0"/g)).toHaveLength(2);
  expect(svg.match(/class="fine-tune-rule run-1"/g)).toHaveLength(2);
  expect(svg).not.toMatch(/fine-tune-rule run-2/);
  expect(new Set(dirs.map((_, i) => runColour(i))).size).toBe(dirs.length);
});

test('tl compare writes compare.html, a PNG and --json numbers', async () => {
  const out = path.join(dir, 'out');
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'tl'), 'compare', ...dirs, '--out', out, '--json'], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(0);
  const json = JSON.parse(r.stdout);
  expect(json.differences).toEqual(['head.dropout']);
  const html = fs.readFileSync(path.join(out, 'compare.html'), 'utf8');
  expect(html).not.toMatch(/<(script|img|link)\b/); // self-contained: inline SVG only
  expect(html.match(/<th><span class="swatch"/g)).toHaveLength(3);
  const meta = await sharp(path.join(out, 'compare.png')).metadata();
  expect(meta.format).toBe('png');
  expect(meta.width).toBeGreaterThan(800);
  expect(spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'tl'), 'compare', dirs[0]], { encoding: 'utf8' }).status).toBe(2);
});
