// Charts of `tl compare`: several runs' learning curves overlaid (one colour per run, validation
// solid, training dashed, each run's fine-tuning start marked), and per-class recall side by side.
import { epochPanelAxes, fineTuneStart, learningCurvePoints, line, type HistoryPoint } from './charts';
import { linearScale, niceDomain, niceStep, num, svgDocument, svgText, textWidth, ticksOf, truncateText } from './svg';

/** Ten colours that stay apart for the colour-blind (Tableau 10); runs beyond ten reuse them. */
export const RUN_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const runColour = (i: number) => RUN_COLOURS[i % RUN_COLOURS.length];

const PAD = 10;
const PANEL_WIDTH = 360;
const PANEL_HEIGHT = 240;
/** Left of each panel: y tick labels and the rotated axis title, px. */
const PANEL_LEFT = 56;
const LABEL_SIZE = 11;
const LEGEND_NAME_LIMIT = 220;

export interface CurveRun {
  name: string;
  history: readonly HistoryPoint[];
}

function curvePanel(runs: readonly CurveRun[], metric: 'accuracy' | 'loss', left: number, top: number, xMax: number): string[] {
  const bottom = top + PANEL_HEIGHT;
  const right = left + PANEL_WIDTH;
  const points = runs.map((r) => learningCurvePoints(r.history).filter((p) => p.metric === metric));
  const values = points.flat().map((p) => p.value);
  const { domain: yDomain, ticks: yTicks } = metric === 'accuracy' ? { domain: [0, 1] as [number, number], ticks: ticksOf(0, 1, 0.2) } : niceDomain(Math.min(0, ...values), Math.max(0, ...values));
  const x = linearScale([xMax <= 1 ? 0.5 : 1, Math.max(xMax, 1.5)], [left, right]);
  const yRaw = linearScale(yDomain, [bottom, top]);
  const y = (v: number) => Math.min(bottom, Math.max(top, yRaw(v)));
  const xTicks = ticksOf(1, xMax, niceStep(Math.max(1, xMax - 1), 6, 1));
  const out = epochPanelAxes({ metric, left, right, top, bottom, x, y, xTicks, yTicks, yStep: yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1 });
  runs.forEach((r, i) => {
    const colour = runColour(i);
    const start = fineTuneStart(r.history);
    if (start !== undefined) out.push(line(x(start), top, x(start), bottom, colour, `stroke-dasharray="2 3" class="fine-tune-rule run-${i}"`));
    for (const series of ['train', 'validation'] as const) {
      const pts = points[i].filter((p) => p.series === series).map((p) => `${num(x(p.step))},${num(y(p.value))}`);
      if (pts.length === 0) continue;
      const dash = series === 'train' ? ' stroke-dasharray="6 4"' : '';
      // A single epoch is a point, drawn as a dot; more are a line.
      if (pts.length === 1) out.push(`<circle class="curve run-${i} series-${series}" cx="${pts[0].split(',')[0]}" cy="${pts[0].split(',')[1]}" r="3" fill="${colour}"/>`);
      else out.push(`<polyline class="curve run-${i} series-${series}" points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash} stroke-linejoin="round"/>`);
    }
  });
  return out;
}

/** Accuracy and loss panels side by side with a legend of runs and line styles on the right. */
export function compareCurvesSvg(runs: readonly CurveRun[]): string {
  const xMax = Math.max(1, ...runs.map((r) => r.history.length));
  const top = PAD + 14 + 14;
  const lefts = [PAD + PANEL_LEFT, PAD + PANEL_LEFT + PANEL_WIDTH + 24 + PANEL_LEFT];
  const legendX = lefts[1] + PANEL_WIDTH + 20;
  const body = [...curvePanel(runs, 'accuracy', lefts[0], top, xMax), ...curvePanel(runs, 'loss', lefts[1], top, xMax)];
  const names = runs.map((r) => truncateText(r.name, LEGEND_NAME_LIMIT, LABEL_SIZE));
  runs.forEach((_, i) => {
    const cy = top + 8 + i * 18;
    body.push(line(legendX, cy, legendX + 16, cy, runColour(i), 'stroke-width="3"'));
    body.push(svgText(names[i], { x: legendX + 22, y: cy + LABEL_SIZE * 0.35, size: LABEL_SIZE, fill: '#333' }));
  });
  const keyY = top + 8 + runs.length * 18 + 12;
  body.push(line(legendX, keyY, legendX + 16, keyY, '#555', 'stroke-width="2"'), svgText('validation', { x: legendX + 22, y: keyY + 4, size: LABEL_SIZE, fill: '#333' }));
  body.push(line(legendX, keyY + 18, legendX + 16, keyY + 18, '#555', 'stroke-width="2" stroke-dasharray="6 4"'), svgText('training', { x: legendX + 22, y: keyY + 22, size: LABEL_SIZE, fill: '#333' }));
  body.push(line(legendX + 8, keyY + 30, legendX + 8, keyY + 42, '#555', 'stroke-dasharray="2 3"'), svgText('fine-tuning starts', { x: legendX + 22, y: keyY + 40, size: LABEL_SIZE, fill: '#333' }));
  const legendWidth = 22 + Math.max(textWidth('fine-tuning starts', LABEL_SIZE), ...names.map((n) => textWidth(n, LABEL_SIZE)));
  const height = Math.max(top + PANEL_HEIGHT + 16 + 6 + 12 + PAD, keyY + 42 + PAD);
  return svgDocument(legendX + legendWidth + PAD, height, body);
}

/** Per-class recall (accuracy on the class's images) as grouped horizontal bars, one colour per run. */
export function perClassCompareSvg(runs: readonly { name: string; perClass: readonly { label: string; recall: number }[] }[]): string {
  const labels = [...new Set(runs.flatMap((r) => r.perClass.map((p) => p.label)))];
  const bar = 10;
  const groupHeight = runs.length * bar + 8;
  const labelWidth = Math.min(160, Math.max(...labels.map((l) => textWidth(l, LABEL_SIZE)))) + 8;
  const left = PAD + labelWidth;
  const width = 360;
  const top = PAD + 24;
  const x = linearScale([0, 1], [left, left + width]);
  const body: string[] = [svgText('Per-class accuracy (recall)', { x: left + width / 2, y: PAD + 14, size: 14, anchor: 'middle', weight: 'bold' })];
  for (const t of ticksOf(0, 1, 0.2)) body.push(line(x(t), top, x(t), top + labels.length * groupHeight, '#e4e4e4'), svgText(t.toFixed(1), { x: x(t), y: top + labels.length * groupHeight + 14, size: LABEL_SIZE, anchor: 'middle', fill: '#333' }));
  labels.forEach((label, li) => {
    const gy = top + li * groupHeight;
    body.push(svgText(truncateText(label, 160, LABEL_SIZE), { x: left - 6, y: gy + groupHeight / 2 + 4, size: LABEL_SIZE, anchor: 'end', fill: '#333' }));
    runs.forEach((r, ri) => {
      const v = r.perClass.find((p) => p.label === label)?.recall;
      if (v !== undefined) body.push(`<rect class="bar run-${ri}" x="${num(left)}" y="${num(gy + 4 + ri * bar)}" width="${num(x(v) - left)}" height="${bar - 1}" fill="${runColour(ri)}"/>`);
    });
  });
  return svgDocument(left + width + PAD + 20, top + labels.length * groupHeight + 20 + PAD, body);
}
