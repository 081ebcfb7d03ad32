// The report of `tl assess --report DIR`: assess.html (one section in the evaluation report's
// style: verdict, probe table per layer against the two baselines, the input and data checks)
// and assess.json, written atomically. Pure HTML building plus one atomic write.
import type { AssessResult } from '../assess/types';
import { card, escapeHtml, REPORT_CSS } from './html';
import { writeFilesAtomic } from './files';

export const ASSESS_FILES = { html: 'assess.html', json: 'assess.json' } as const;

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const signed = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}`;

function probeTable(r: AssessResult): string {
  const rows = r.probes.map((p) => {
    const best = p.layer === r.suggestedCutLayer ? ' <b>(suggested cut)</b>' : '';
    return `<tr><td>${escapeHtml(p.layer)}${best}</td><td>${p.features}</td><td>${pct(p.accuracy)} &plusmn; ${(p.sd * 100).toFixed(1)}</td><td>${pct(p.randomBase)}</td><td>${signed(p.accuracy - r.baselines.pixels)}</td><td>${signed(p.accuracy - p.randomBase)}</td></tr>`;
  });
  return `<table><thead><tr><th>cut layer</th><th>features</th><th>probe accuracy</th><th>random copy</th><th>vs pixels (points)</th><th>vs random (points)</th></tr></thead>
<tbody>
${rows.join('\n')}
<tr><td>raw pixels ${r.probe.pixelShape.join('x')}</td><td>${r.probe.pixelShape.reduce((a, b) => a * b, 1)}</td><td>${pct(r.baselines.pixels)}</td><td></td><td></td><td></td></tr>
</tbody></table>`;
}

function list(items: string[]): string {
  return items.length === 0 ? '<p>Nothing to flag.</p>' : `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
}

/** The assess section as a whole page (self-contained, no scripts). */
export function buildAssessHtml(r: AssessResult, createdAt: Date): string {
  const cls = r.verdict === 'likely' ? 'pass' : r.verdict === 'unlikely' ? 'fail' : '';
  const m = r.inputMatch;
  const s = r.dataSize;
  const dataInput = m.data ? `${m.data.width}x${m.data.height}x${m.data.channels}` : 'unknown';
  const baseData = s.base ? `${s.base.data}${s.base.images ? `, ${s.base.images.toLocaleString('en')} images` : ''}${s.base.classes ? `, ${s.base.classes} classes` : ''}` : 'not recorded';
  const cards = [
    card('verdict', r.verdict, cls),
    card('best probe', pct(Math.max(...r.probes.map((p) => p.accuracy)))),
    card('pixels', pct(r.baselines.pixels)),
    card('random copy', pct(r.baselines.randomBase)),
    card('suggested cut', r.suggestedCutLayer),
  ].join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Will transfer help? ${escapeHtml(r.base.ref)} on ${escapeHtml(r.dataSpec)}</title>
<link rel="icon" href="data:,">
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<h1>Will transfer help?</h1>
<p class="sub">Base <code>${escapeHtml(r.base.ref)}</code> on ${escapeHtml(r.dataSpec)} &middot; ${escapeHtml(createdAt.toISOString())}</p>
<div class="cards">${cards}</div>
<div class="gate ${cls}"><b>${r.verdict === 'uncertain' ? 'Whether transfer helps is uncertain.' : `Transfer is ${r.verdict} to help.`}</b>${list(r.reasons)}</div>
<h2>Are the base's features useful here?</h2>
<p>A linear probe (logistic regression on standardized features, ${r.probe.folds}-fold cross-validated on ${r.probe.images} training images, ${r.probe.steps} full-batch steps) at each cut layer, against the same probe on raw pixels and on a copy of the base with fresh random weights.</p>
${probeTable(r)}
<h2>Same kind of input?</h2>
<table><tbody>
<tr><td>base input</td><td>${m.base.width}x${m.base.height}x${m.base.channels}, ${escapeHtml(m.preprocessing)}</td></tr>
<tr><td>your images</td><td>${dataInput}${m.upscale ? ` (scaled ${m.upscale.toFixed(2)}x)` : ''}, channels: ${escapeHtml(m.channels)}</td></tr>
</tbody></table>
${list(m.warnings)}
<h2>Far more data in the base?</h2>
<table><tbody>
<tr><td>your training images per class</td><td>${s.trainPerClass.min === s.trainPerClass.max ? s.trainPerClass.min : `${s.trainPerClass.min} to ${s.trainPerClass.max} (median ${s.trainPerClass.median})`} over ${s.classes} classes</td></tr>
<tr><td>the base was trained on</td><td>${escapeHtml(baseData)}</td></tr>
${s.ratio !== undefined ? `<tr><td>base images per class / yours</td><td>${s.ratio.toFixed(1)}x</td></tr>` : ''}
</tbody></table>
${list(s.notes)}
<footer>Written by tl assess in ${r.seconds.toFixed(1)} s. The probe measures what a linear head on frozen features can do; fine-tuning can do more.</footer>
</main>
</body>
</html>
`;
}

/** Writes assess.html and assess.json into `dir` (atomically); returns their paths. */
export async function writeAssessReport(dir: string, r: AssessResult, createdAt = new Date()): Promise<string[]> {
  return writeFilesAtomic(dir, { [ASSESS_FILES.html]: buildAssessHtml(r, createdAt), [ASSESS_FILES.json]: JSON.stringify(r, null, 2) + '\n' });
}
