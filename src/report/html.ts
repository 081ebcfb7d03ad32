// report.html: one self-contained page (inline CSS, images as data: URIs, no scripts, no
// external requests) for a person reading an evaluation. Pure: returns the HTML text.
import type { GateResult, Metrics } from '../evaluate';

export interface ReportImages {
  confusionMatrix: Buffer;
  perClassF1: Buffer;
  /** Absent when the run has no training history (e.g. a plain tfjs model). */
  learningCurves?: Buffer;
}

export interface ReportInput {
  title: string;
  /** Model path (run dir or model.json) as given. */
  model: string;
  /** What was evaluated, e.g. "test split of runs/flowers (seed 42)" or a --data spec. */
  data: string;
  createdAt: Date;
  metrics: Metrics;
  gate?: GateResult;
  skipped: { id: string; reason: string }[];
  images: ReportImages;
  /** JPEG data URIs aligned with metrics.mistakes; undefined where none could be made. */
  mistakeThumbnails: (string | undefined)[];
  /** The run's tl.json, shown as its configuration. */
  runConfig?: unknown;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

function pngUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * <img> of a chart PNG shown at half its pixel size: charts are rendered at 2x, so they stay
 * sharp on high-density screens and appear at their designed size. Width and height come from
 * the PNG header (IHDR: bytes 16..23, big-endian).
 */
function chartImg(png: Buffer, alt: string): string {
  const isPng = png.length >= 24 && png.readUInt32BE(12) === 0x49484452; // "IHDR"
  const size = isPng ? ` width="${Math.round(png.readUInt32BE(16) / 2)}" height="${Math.round(png.readUInt32BE(20) / 2)}"` : '';
  return `<img class="plot" src="${pngUri(png)}"${size} alt="${escapeHtml(alt)}">`;
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; border-bottom: 1px solid #d9dde3; padding-bottom: 4px; }
.sub { color: #5b6575; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #d9dde3; border-radius: 8px; padding: 10px 14px; min-width: 120px; }
.card .k { color: #5b6575; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 22px; font-weight: 600; }
.pass { color: #1a7f37; } .fail { color: #c62828; }
.gate { background: #fff; border-left: 4px solid; padding: 8px 14px; margin-top: 16px; }
.gate.pass { border-color: #1a7f37; } .gate.fail { border-color: #c62828; }
img.plot { max-width: 100%; height: auto; background: #fff; border: 1px solid #d9dde3; border-radius: 6px; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #d9dde3; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eef1f5; }
.mistakes { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
.mistake { background: #fff; border: 1px solid #d9dde3; border-radius: 6px; padding: 8px; font-size: 13px; overflow-wrap: anywhere; }
.mistake img { display: block; width: 112px; height: 112px; object-fit: contain; margin: 0 auto 6px; background: #eee; image-rendering: pixelated; }
.id { color: #5b6575; font-size: 12px; }
pre { background: #fff; border: 1px solid #d9dde3; border-radius: 6px; padding: 12px; overflow: auto; font-size: 12px; }
footer { color: #5b6575; font-size: 12px; margin-top: 32px; }
`;

export function card(label: string, value: string, cls = ''): string {
  return `<div class="card"><div class="k">${escapeHtml(label)}</div><div class="v ${cls}">${escapeHtml(value)}</div></div>`;
}

function perClassTable(m: Metrics): string {
  const rows = m.perClass
    .map((c) => `<tr><td>${escapeHtml(c.label)}</td><td>${fmt(c.precision, 3)}</td><td>${fmt(c.recall, 3)}</td><td>${fmt(c.f1, 3)}</td><td>${c.support}</td></tr>`)
    .join('\n');
  const avg = (name: string, a: { precision: number; recall: number; f1: number }) =>
    `<tr><th>${name}</th><td>${fmt(a.precision, 3)}</td><td>${fmt(a.recall, 3)}</td><td>${fmt(a.f1, 3)}</td><td>${m.count}</td></tr>`;
  return `<table><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>
<tbody>
${rows}
</tbody><tfoot>${avg('macro average', m.macro)}${avg('weighted average', m.weighted)}</tfoot></table>`;
}

function mistakesSection(input: ReportInput): string {
  const ms = input.metrics.mistakes;
  if (ms.length === 0) return '<p>No mistakes: every example was classified correctly.</p>';
  const items = ms.map((m, i) => {
    const thumb = input.mistakeThumbnails[i];
    const img = thumb ? `<img src="${thumb}" alt="${escapeHtml(m.id)}">` : '';
    return `<div class="mistake">${img}<div>true <b>${escapeHtml(m.trueLabel)}</b></div><div>predicted <b>${escapeHtml(m.predictedLabel)}</b> (${pct(m.probability)})</div><div class="id">${escapeHtml(m.id)}</div></div>`;
  });
  return `<p>The ${ms.length} wrong predictions made with the highest probability.</p><div class="mistakes">${items.join('\n')}</div>`;
}

function gateSection(g: GateResult | undefined): string {
  if (!g || g.checks.length === 0) return '';
  const lines = g.checks.map(
    (c) => `<li class="${c.passed ? 'pass' : 'fail'}">${escapeHtml(c.name)} ${fmt(c.actual)} ${c.passed ? '&ge;' : '&lt;'} ${escapeHtml(c.flag)} ${c.required}${c.passed ? '' : ` (short by ${fmt(c.shortBy)})`}</li>`,
  );
  return `<div class="gate ${g.passed ? 'pass' : 'fail'}"><b>Quality gate ${g.passed ? 'passed' : 'failed'}</b><ul>${lines.join('')}</ul></div>`;
}

export function buildReportHtml(input: ReportInput): string {
  const m = input.metrics;
  const cards = [
    card('examples', String(m.count)),
    card('accuracy', pct(m.accuracy)),
    m.topK ? card(`top-${m.topK.k} accuracy`, pct(m.topK.accuracy)) : '',
    card('loss', fmt(m.loss)),
    card('macro F1', fmt(m.macro.f1, 3)),
    card('weighted F1', fmt(m.weighted.f1, 3)),
    card('calibration error (ECE)', fmt(m.calibration.ece, 3)),
    input.gate && input.gate.checks.length > 0 ? card('gate', input.gate.passed ? 'passed' : 'failed', input.gate.passed ? 'pass' : 'fail') : '',
  ].join('');
  const curves = input.images.learningCurves
    ? `<h2>Learning curves</h2>${chartImg(input.images.learningCurves, 'learning curves: accuracy and loss per epoch, train and validation')}`
    : '';
  const skipped =
    input.skipped.length === 0
      ? ''
      : `<h2>Skipped files (${input.skipped.length})</h2><table><thead><tr><th>file</th><th style="text-align:left">reason</th></tr></thead><tbody>${input.skipped
          .map((s) => `<tr><td>${escapeHtml(s.id)}</td><td style="text-align:left">${escapeHtml(s.reason)}</td></tr>`)
          .join('')}</tbody></table>`;
  const config =
    input.runConfig === undefined
      ? '<p>No tl.json: the model was not written by tl, so its configuration is unknown.</p>'
      : `<pre>${escapeHtml(JSON.stringify(input.runConfig, null, 2))}</pre>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<link rel="icon" href="data:,">
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<h1>${escapeHtml(input.title)}</h1>
<p class="sub">Model <code>${escapeHtml(input.model)}</code> on ${escapeHtml(input.data)} &middot; ${escapeHtml(input.createdAt.toISOString())}</p>
<div class="cards">${cards}</div>
${gateSection(input.gate)}
${curves}
<h2>Confusion matrix</h2>
${chartImg(input.images.confusionMatrix, 'confusion matrix: rows are true classes, columns predicted classes')}
<h2>Per-class figures</h2>
${perClassTable(m)}
<p>${chartImg(input.images.perClassF1, 'F1 score per class')}</p>
<h2>Most confident mistakes</h2>
${mistakesSection(input)}
${skipped}
<h2>Run configuration (tl.json)</h2>
${config}
<footer>Written by tl evaluate. Colour in the confusion matrix is the share of each true class; numbers are counts.</footer>
</main>
</body>
</html>
`;
}
