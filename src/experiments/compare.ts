// `tl compare`'s output: the settings that differ, the metrics side by side, overlaid learning
// curves and per-class accuracy, as numbers (JSON), one self-contained compare.html and PNGs.
import { escapeHtml } from '../report/html';
import { writeFilesAtomic } from '../report/files';
import { svgToPng } from '../report/svg';
import { compareCurvesSvg, perClassCompareSvg, runColour } from '../report/compare-charts';
import { configDifferences, type CompareRun } from './compare-read';

export const COMPARE_FILES = { html: 'compare.html', curvesPng: 'compare.png', curvesSvg: 'compare-curves.svg', perClassPng: 'compare-per-class.png', json: 'compare.json' } as const;

export const METRIC_NAMES: readonly [keyof CompareRun['metrics'] & string, string][] = [
  ['testAccuracy', 'test accuracy'],
  ['valAccuracy', 'validation accuracy'],
  ['testLoss', 'test loss'],
  ['valLoss', 'validation loss'],
  ['macroF1', 'macro F1'],
  ['minClassRecall', 'worst class recall'],
];

export interface Comparison {
  runs: { name: string; dir: string; settings: Record<string, unknown>; metrics: CompareRun['metrics']; epochs: number; perClass?: CompareRun['perClass'] }[];
  /** setting names whose values differ */
  differences: string[];
}

export function comparison(runs: CompareRun[]): Comparison {
  const differences = configDifferences(runs);
  return {
    differences,
    runs: runs.map((r) => ({ name: r.name, dir: r.dir, settings: Object.fromEntries(differences.map((k) => [k, r.config[k]])), metrics: r.metrics, epochs: r.history.length, perClass: r.perClass })),
  };
}

const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));
const metricCell = (name: string, v: number | undefined) => (v === undefined ? '' : /Loss/.test(name) || name === 'macroF1' ? v.toFixed(3) : `${(v * 100).toFixed(1)}%`);

function table(c: Comparison): string {
  const head = `<tr><th></th>${c.runs.map((r, i) => `<th><span class="swatch" style="background:${runColour(i)}"></span>${escapeHtml(r.name)}</th>`).join('')}</tr>`;
  const settings = c.differences.map((k) => `<tr><td>${escapeHtml(k)}</td>${c.runs.map((r) => `<td>${escapeHtml(cell(r.settings[k]))}</td>`).join('')}</tr>`);
  const metrics = METRIC_NAMES.filter(([k]) => c.runs.some((r) => r.metrics[k] !== undefined)).map(
    ([k, label]) => `<tr><td>${escapeHtml(label)}</td>${c.runs.map((r) => `<td class="num">${metricCell(k, r.metrics[k])}</td>`).join('')}</tr>`,
  );
  const sep = (text: string) => `<tr class="sep"><td colspan="${c.runs.length + 1}">${text}</td></tr>`;
  return `<table>${head}${sep(c.differences.length ? 'settings that differ' : 'no settings differ')}${settings.join('')}${sep('metrics')}${metrics.join('')}</table>`;
}

const CSS = `body{font:15px/1.45 system-ui,"DejaVu Sans",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d9dde3}table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #d9dde3;padding:4px 10px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.sep td{background:#eef1f5;color:#5b6575;font-size:12px;text-transform:uppercase}.swatch{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
figure{margin:0;background:#fff;border:1px solid #d9dde3;display:inline-block}`;

/** compare.html: tables and inline SVG charts, no external files. */
export function compareHtml(title: string, c: Comparison, curvesSvg: string, perClassSvg: string | undefined): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><main>`,
    `<h1>${escapeHtml(title)}</h1>`,
    '<h2>Runs side by side</h2>',
    table(c),
    '<h2>Learning curves</h2>',
    '<p>Solid: validation; dashed: training. A widening gap between a run\'s two lines is over-fitting.</p>',
    `<figure>${curvesSvg.replace(/^<\?xml[^>]*>/, '')}</figure>`,
    perClassSvg ? `<h2>Per-class accuracy</h2><figure>${perClassSvg}</figure>` : '',
    '</main></body></html>',
  ].join('\n');
}

/** Writes compare.html, compare.png (+ its SVG), compare-per-class.png and compare.json into `dir`. */
export async function writeComparison(dir: string, title: string, runs: CompareRun[]): Promise<{ files: string[]; comparison: Comparison }> {
  const c = comparison(runs);
  const curves = compareCurvesSvg(runs);
  const withClasses = runs.filter((r) => r.perClass && r.perClass.length > 0);
  const perClass = withClasses.length === runs.length ? perClassCompareSvg(runs.map((r) => ({ name: r.name, perClass: r.perClass! }))) : undefined;
  const files: Record<string, string | Buffer> = {
    [COMPARE_FILES.html]: compareHtml(title, c, curves, perClass),
    [COMPARE_FILES.curvesSvg]: curves,
    [COMPARE_FILES.curvesPng]: await svgToPng(curves),
    [COMPARE_FILES.json]: JSON.stringify(c, null, 2) + '\n',
  };
  if (perClass) files[COMPARE_FILES.perClassPng] = await svgToPng(perClass);
  return { files: await writeFilesAtomic(dir, files), comparison: c };
}
