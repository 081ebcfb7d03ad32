// The learning curves over both training phases, as SVG text built by a pure function plus its
// PNG rendering; the panel frame is shared with tl compare's overlaid curves.
import {
  formatTick,
  linearScale,
  niceDomain,
  niceStep,
  num,
  svgDocument,
  svgText,
  svgToPng,
  textWidth,
  ticksOf,
} from './svg';

import { AXIS_COLOUR, AXIS_TITLE_SIZE, GRID_COLOUR, LABEL_COLOUR, LABEL_SIZE, line, PAD, TITLE_SIZE } from './chart-style';

export { line } from './chart-style';

/** One epoch of training history; the models room's HistoryRow has this shape. */
export interface HistoryPoint {
  phase: 1 | 2;
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** Long-format points for the learning curves; `step` numbers epochs across both phases from 1. */
export function learningCurvePoints(history: readonly HistoryPoint[]): { step: number; phase: number; series: string; metric: string; value: number }[] {
  const out: { step: number; phase: number; series: string; metric: string; value: number }[] = [];
  history.forEach((r, i) => {
    const step = i + 1;
    const add = (metric: string, series: string, value: number | undefined) => {
      if (value !== undefined && Number.isFinite(value)) out.push({ step, phase: r.phase, series, metric, value });
    };
    add('accuracy', 'train', r.accuracy);
    add('accuracy', 'validation', r.valAccuracy);
    add('loss', 'train', r.loss);
    add('loss', 'validation', r.valLoss);
  });
  return out;
}

/** Where fine-tuning starts on the `step` axis (between the last phase-1 and first phase-2 epoch). */
export function fineTuneStart(history: readonly HistoryPoint[]): number | undefined {
  const i = history.findIndex((r) => r.phase === 2);
  return i < 0 ? undefined : i + 0.5;
}

const SERIES = [
  { name: 'train', colour: '#4c78a8' },
  { name: 'validation', colour: '#f58518' },
] as const;
const PANEL_WIDTH = 320;
const PANEL_HEIGHT = 220;
/** Left of each panel's plot: y tick labels and the rotated axis title, px. */
const PANEL_LEFT = 56;
const FINE_TUNE_LABEL = 'fine-tuning starts';

/**
 * How much of the drawn polylines (pixel [x, y] points, each sorted by x) passes through the box
 * xs × ys: the number of 4 px samples across xs at which some line's y lies inside ys.
 */
function curveHits(lines: readonly (readonly [number, number][])[], xs: readonly [number, number], ys: readonly [number, number]): number {
  let hits = 0;
  for (let sx = xs[0]; sx <= xs[1]; sx += 4) {
    for (const pts of lines) {
      for (let i = 0; i < pts.length; i++) {
        const [x0, y0] = pts[i];
        const [x1, y1] = pts[Math.min(i + 1, pts.length - 1)];
        // A marker (radius 3) near sx, or the segment from point i to i+1 crossing sx.
        const hit =
          (Math.abs(x0 - sx) <= 4 && y0 + 3 >= ys[0] && y0 - 3 <= ys[1]) ||
          (x1 > x0 && sx >= x0 && sx <= x1 && ((yAt) => yAt >= ys[0] && yAt <= ys[1])(y0 + ((sx - x0) / (x1 - x0)) * (y1 - y0)));
        if (hit) {
          hits++;
          break;
        }
      }
    }
  }
  return hits;
}

/** The frame of one learning-curve panel: title, grid, axes, ticks and axis titles, px. */
export interface EpochPanelFrame {
  metric: 'accuracy' | 'loss';
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: (v: number) => number;
  y: (v: number) => number;
  xTicks: number[];
  yTicks: number[];
  yStep: number;
}

/** Title above, grid, axes with tick labels, "epoch (both phases)" below and the metric rotated on the left. */
export function epochPanelAxes(f: EpochPanelFrame): string[] {
  const { left, right, top, bottom, x, y } = f;
  const mid = (left + right) / 2;
  const out: string[] = [svgText(f.metric === 'accuracy' ? 'Accuracy' : 'Loss', { x: mid, y: PAD + TITLE_SIZE, size: TITLE_SIZE, anchor: 'middle', weight: 'bold' })];
  for (const t of f.yTicks) out.push(line(left, y(t), right, y(t), GRID_COLOUR));
  for (const t of f.xTicks) out.push(line(x(t), top, x(t), bottom, GRID_COLOUR));
  out.push(line(left, top, left, bottom, AXIS_COLOUR));
  out.push(line(left, bottom, right, bottom, AXIS_COLOUR));
  for (const t of f.yTicks) {
    out.push(line(left - 4, y(t), left, y(t), AXIS_COLOUR));
    out.push(svgText(formatTick(t, f.yStep), { x: left - 6, y: y(t) + LABEL_SIZE * 0.35, size: LABEL_SIZE, anchor: 'end', fill: LABEL_COLOUR }));
  }
  for (const t of f.xTicks) {
    out.push(line(x(t), bottom, x(t), bottom + 4, AXIS_COLOUR));
    out.push(svgText(String(t), { x: x(t), y: bottom + 16, size: LABEL_SIZE, anchor: 'middle', fill: LABEL_COLOUR }));
  }
  out.push(svgText('epoch (both phases)', { x: mid, y: bottom + 22 + AXIS_TITLE_SIZE, size: AXIS_TITLE_SIZE, anchor: 'middle', weight: 'bold' }));
  out.push(svgText(f.metric, { x: left - PANEL_LEFT + AXIS_TITLE_SIZE, y: (top + bottom) / 2, size: AXIS_TITLE_SIZE, anchor: 'middle', weight: 'bold', rotate: -90 }));
  return out;
}

/** Up to this many epochs each gets a point marker on the learning curves. */
const MAX_MARKED_EPOCHS = 60;

/**
 * Accuracy (y 0..1) and loss (y from 0 to a round maximum) side by side, each 320 × 220 px:
 * train and validation lines (with point markers up to MAX_MARKED_EPOCHS) over epochs of both phases, a legend, and a
 * dashed rule where fine-tuning starts when there is a phase 2.
 */
export function learningCurvesSvg(history: readonly HistoryPoint[]): string {
  const points = learningCurvePoints(history);
  const start = fineTuneStart(history);
  // Epoch axis: 1..n; one epoch (or none) gets half a step either side so its point is centred.
  // A phase 2 from the very first row puts the rule at 0.5, which the domain then includes.
  const n = history.length;
  const xDomain: [number, number] = n <= 1 ? [0.5, 1.5] : [Math.min(1, start ?? 1), n];
  const xStep = niceStep(xDomain[1] - xDomain[0], 6, 1);
  const xTicks = ticksOf(Math.ceil(xDomain[0]), xDomain[1], xStep);

  const plotTop = PAD + TITLE_SIZE + 14;
  const plotBottom = plotTop + PANEL_HEIGHT;
  const panelLefts = [PAD + PANEL_LEFT, PAD + PANEL_LEFT + PANEL_WIDTH + 24 + PANEL_LEFT];
  const legendX = panelLefts[1] + PANEL_WIDTH + 20;
  const legendWidth = 24 + Math.max(...SERIES.map((s) => textWidth(s.name, LABEL_SIZE)));
  const width = legendX + legendWidth + PAD;
  const height = plotBottom + 16 + 6 + AXIS_TITLE_SIZE + PAD;

  const panel = (metric: 'accuracy' | 'loss', left: number): string[] => {
    const mine = points.filter((p) => p.metric === metric);
    let yDomain: [number, number];
    let yTicks: number[];
    if (metric === 'accuracy') {
      yDomain = [0, 1];
      yTicks = ticksOf(0, 1, 0.2);
    } else {
      const values = mine.map((p) => p.value);
      ({ domain: yDomain, ticks: yTicks } = niceDomain(Math.min(0, ...values), Math.max(0, ...values)));
    }
    const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
    const right = left + PANEL_WIDTH;
    const x = linearScale(xDomain, [left, right]);
    // Clamped to the plot so an out-of-range value (accuracy above 1) cannot draw over the legend.
    const yRaw = linearScale(yDomain, [plotBottom, plotTop]);
    const y = (v: number) => Math.min(plotBottom, Math.max(plotTop, yRaw(v)));

    const out = epochPanelAxes({ metric, left, right, top: plotTop, bottom: plotBottom, x, y, xTicks, yTicks, yStep });

    const rx = start === undefined ? undefined : x(start);
    if (rx !== undefined) out.push(line(rx, plotTop, rx, plotBottom, '#666', 'stroke-dasharray="4 4" class="fine-tune-rule"'));
    const drawn: [number, number][][] = [];
    for (const s of SERIES) {
      const xy = mine.filter((p) => p.series === s.name).map((p): [number, number] => [x(p.step), y(p.value)]);
      drawn.push(xy);
      const pts = xy.map(([px, py]) => `${num(px)},${num(py)}`);
      // Hundreds of epochs (phase 1 on cached activations) would be a band of dots: a thinner line alone.
      const marked = xy.length <= MAX_MARKED_EPOCHS;
      if (pts.length > 1) out.push(`<polyline class="series-${s.name}" points="${pts.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="${marked ? 2 : 1.5}" stroke-linejoin="round"/>`);
      if (marked) for (const [px, py] of xy) out.push(`<circle cx="${num(px)}" cy="${num(py)}" r="3" fill="${s.colour}"/>`);
    }
    if (rx !== undefined) {
      // Right of the rule unless that would run past the panel; then left of it. At the top of
      // the plot unless curves pass there (accuracy near 1 usually does); then at the bottom.
      const labelWidth = textWidth(FINE_TUNE_LABEL, 10);
      const fits = rx + 4 + labelWidth <= right;
      const span: [number, number] = fits ? [rx + 4, rx + 4 + labelWidth] : [rx - 4 - labelWidth, rx - 4];
      const topBaseline = plotTop + 4 + 10;
      const bottomBaseline = plotBottom - 6;
      const atTop = curveHits(drawn, span, [plotTop, topBaseline + 4]) <= curveHits(drawn, span, [bottomBaseline - 12, plotBottom]);
      out.push(svgText(FINE_TUNE_LABEL, { x: fits ? rx + 4 : rx - 4, y: atTop ? topBaseline : bottomBaseline, size: 10, anchor: fits ? 'start' : 'end', fill: '#444', halo: true }));
    }
    return out;
  };

  const body = [...panel('accuracy', panelLefts[0]), ...panel('loss', panelLefts[1])];
  SERIES.forEach((s, i) => {
    const cy = plotTop + 8 + i * 18;
    body.push(line(legendX, cy, legendX + 16, cy, s.colour, 'stroke-width="2"'));
    body.push(`<circle cx="${num(legendX + 8)}" cy="${num(cy)}" r="3" fill="${s.colour}"/>`);
    body.push(svgText(s.name, { x: legendX + 22, y: cy + LABEL_SIZE * 0.35, size: LABEL_SIZE, fill: LABEL_COLOUR }));
  });
  return svgDocument(width, height, body);
}

/** PNG of the learning curves; the transfer command saves it into the run directory too. */
export function learningCurvesPng(history: readonly HistoryPoint[]): Promise<Buffer> {
  return svgToPng(learningCurvesSvg(history));
}
