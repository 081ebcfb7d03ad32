// The charts tl draws, as SVG text built by pure functions, plus their PNG renderings:
// confusion matrix heatmap, per-class F1 bars, learning curves over both training phases.
import {
  escapeXml,
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
  truncateText,
} from './svg';

/** One epoch of training history; the models room's HistoryRow has this shape. */
export interface HistoryPoint {
  phase: 1 | 2;
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** Outer white margin of every chart, px. */
const PAD = 10;
/** Font sizes, px: tick and category labels, axis titles, chart titles. */
const LABEL_SIZE = 11;
const AXIS_TITLE_SIZE = 12;
const TITLE_SIZE = 14;
const AXIS_COLOUR = '#888';
const GRID_COLOUR = '#e4e4e4';
const LABEL_COLOUR = '#333';

/** Above this many classes cells get too small for their numbers; colour alone remains. */
const MAX_CLASSES_WITH_CELL_TEXT = 20;
/** Longest class name shown on the confusion matrix axes, px; longer ones end in an ellipsis. */
const MATRIX_LABEL_LIMIT = 120;
/** Same for the F1 chart, which has room for longer names. */
const F1_LABEL_LIMIT = 160;
const COS45 = Math.SQRT1_2;

/**
 * White to dark blue, as [share of row 0..1, r, g, b] stops interpolated linearly in RGB. Starts
 * at pure white so an empty cell reads as "nothing here"; light enough at 0.5 for black text.
 */
const BLUES: readonly (readonly [number, number, number, number])[] = [
  [0, 255, 255, 255],
  [0.125, 222, 235, 247],
  [0.25, 198, 219, 239],
  [0.375, 158, 202, 225],
  [0.5, 107, 174, 214],
  [0.625, 66, 146, 198],
  [0.75, 33, 113, 181],
  [0.875, 8, 81, 156],
  [1, 8, 48, 107],
];

/** '#rrggbb' for a row share in [0, 1] (clamped; NaN counts as 0). */
export function blueFor(fraction: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  let i = 1;
  while (i < BLUES.length - 1 && BLUES[i][0] < f) i++;
  const [f0, ...c0] = BLUES[i - 1];
  const [f1, ...c1] = BLUES[i];
  const t = (f - f0) / (f1 - f0);
  return '#' + c0.map((c, k) => Math.round(c + (c1[k] - c) * t).toString(16).padStart(2, '0')).join('');
}

/** A title centred on `centre` but moved inwards so it stays inside [PAD, width - PAD]. */
function chartTitle(text: string, centre: number, width: number): string {
  const half = textWidth(text, TITLE_SIZE, true) / 2;
  const x = Math.min(Math.max(centre, PAD + half), width - PAD - half);
  return svgText(text, { x, y: PAD + TITLE_SIZE, size: TITLE_SIZE, anchor: 'middle', weight: 'bold' });
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}"${extra ? ' ' + extra : ''}/>`;
}

/**
 * Heatmap of counts[true][predicted] (rows: true class, columns: predicted, both in `labels`
 * order). Colour is the row fraction (share of that true class), so rare classes are as readable
 * as common ones; the cell text is the raw count. About 36 px per cell, the square plot between
 * 160 and 720 px a side.
 */
export function confusionMatrixSvg(labels: readonly string[], counts: readonly (readonly number[])[]): string {
  const n = labels.length;
  const side = Math.min(720, Math.max(160, 36 * n));
  const cell = side / Math.max(1, n);
  // Class names shrink with the cells, down to 8 px; below that only every k-th name is shown
  // (rows need about 1.1 em each, 45° columns about 1.4 em of cell width).
  const labelSize = Math.min(LABEL_SIZE, Math.max(8, cell * 0.8));
  const everyY = Math.max(1, Math.ceil((labelSize * 1.1) / cell));
  const everyX = Math.max(1, Math.ceil((labelSize * 1.4) / cell));
  const names = labels.map((l) => truncateText(l, MATRIX_LABEL_LIMIT, labelSize));
  const nameWidth = names.reduce((m, l) => Math.max(m, textWidth(l, labelSize)), 0);

  // Left: "true class" (rotated), then right-aligned row names; the first column's 45° name also
  // reaches left of the plot. Bottom: 45° column names, then "predicted class".
  const yTitleX = PAD + AXIS_TITLE_SIZE;
  const plotLeft = Math.max(yTitleX + 8 + nameWidth + 8, PAD + nameWidth * COS45 - cell / 2 + 4);
  const plotTop = PAD + TITLE_SIZE + 14;
  const plotBottom = plotTop + side;
  // 45° names hang from plotBottom + 8; their depth is the width's vertical share plus a bit
  // for descenders.
  const xNamesDepth = nameWidth * COS45 + labelSize * 0.4;
  const xTitleY = plotBottom + 8 + xNamesDepth + 10 + AXIS_TITLE_SIZE;
  // Right: the colour legend (title "share of row", gradient bar, 0 / 0.5 / 1).
  const legendX = plotLeft + side + 20;
  const legendTitle = 'share of row';
  const legendBar = Math.min(side, 150);
  const legendWidth = Math.max(textWidth(legendTitle, LABEL_SIZE, true), 12 + 6 + textWidth('0.5', LABEL_SIZE));
  const width = Math.max(legendX + legendWidth + PAD, textWidth('Confusion matrix (test examples)', TITLE_SIZE, true) + 2 * PAD);
  const height = xTitleY + PAD;

  const body: string[] = [chartTitle('Confusion matrix (test examples)', plotLeft + side / 2, width)];
  const cellText: string[] = [];
  const showCounts = n <= MAX_CLASSES_WITH_CELL_TEXT;
  const countSize = n > 10 ? 9 : 12;
  for (let t = 0; t < n; t++) {
    const row = counts[t] ?? [];
    const total = labels.reduce((s, _, p) => s + (Number.isFinite(row[p]) ? row[p] : 0), 0);
    for (let p = 0; p < n; p++) {
      const count = Number.isFinite(row[p]) ? row[p] : 0;
      const fraction = total > 0 ? count / total : 0;
      const x = plotLeft + p * cell;
      const y = plotTop + t * cell;
      const tip = `true ${labels[t]}, predicted ${labels[p]}: ${count}`;
      body.push(
        `<rect class="cell" x="${num(x)}" y="${num(y)}" width="${num(cell)}" height="${num(cell)}" fill="${blueFor(fraction)}"><title>${escapeXml(tip)}</title></rect>`,
      );
      if (showCounts) {
        const text = String(count);
        // Big counts shrink to stay inside their cell.
        const size = Math.min(countSize, (cell * 0.9) / Math.max(1, textWidth(text, 1)));
        cellText.push(svgText(text, { x: x + cell / 2, y: y + cell / 2 + size * 0.35, size, anchor: 'middle', fill: fraction > 0.5 ? 'white' : 'black' }));
      }
    }
  }
  body.push(...cellText);
  body.push(`<rect x="${num(plotLeft)}" y="${num(plotTop)}" width="${num(side)}" height="${num(side)}" fill="none" stroke="#bbb"/>`);

  for (let i = 0; i < n; i++) {
    const centre = i * cell + cell / 2;
    // Row names right-aligned left of the plot, column names at 45° ending under their column.
    body.push(line(plotLeft - 4, plotTop + centre, plotLeft, plotTop + centre, AXIS_COLOUR));
    body.push(line(plotLeft + centre, plotBottom, plotLeft + centre, plotBottom + 4, AXIS_COLOUR));
    if (i % everyY === 0) body.push(svgText(names[i], { x: plotLeft - 6, y: plotTop + centre + labelSize * 0.35, size: labelSize, anchor: 'end', fill: LABEL_COLOUR }));
    if (i % everyX === 0) {
      const ax = plotLeft + centre + labelSize * 0.3;
      const ay = plotBottom + 8;
      body.push(svgText(names[i], { x: ax, y: ay, size: labelSize, anchor: 'end', fill: LABEL_COLOUR, rotate: -45 }));
    }
  }
  body.push(svgText('predicted class', { x: plotLeft + side / 2, y: xTitleY, size: AXIS_TITLE_SIZE, anchor: 'middle', weight: 'bold' }));
  body.push(svgText('true class', { x: yTitleX, y: plotTop + side / 2, size: AXIS_TITLE_SIZE, anchor: 'middle', weight: 'bold', rotate: -90 }));

  // Legend: a vertical gradient, 1 at the top, sampled at the same stops as the cells.
  const barTop = plotTop + LABEL_SIZE + 8;
  const stops = BLUES.map(([f]) => `<stop offset="${1 - f}" stop-color="${blueFor(f)}"/>`).reverse();
  body.push(`<defs><linearGradient id="share-of-row" x1="0" y1="0" x2="0" y2="1">${stops.join('')}</linearGradient></defs>`);
  body.push(svgText(legendTitle, { x: legendX, y: plotTop + LABEL_SIZE, size: LABEL_SIZE, weight: 'bold' }));
  body.push(`<rect x="${num(legendX)}" y="${num(barTop)}" width="12" height="${num(legendBar)}" fill="url(#share-of-row)" stroke="#bbb"/>`);
  for (const [v, text] of [[1, '1'], [0.5, '0.5'], [0, '0']] as const) {
    const y = barTop + (1 - v) * legendBar;
    body.push(svgText(text, { x: legendX + 18, y: y + LABEL_SIZE * 0.35, size: LABEL_SIZE, fill: LABEL_COLOUR }));
  }
  return svgDocument(width, height, body);
}

/**
 * Horizontal bars of F1 per class in the given order, the value printed beside each bar; a
 * 360 px wide plot, 20 px per class (at least 60).
 */
export function perClassF1Svg(perClass: readonly { label: string; f1: number; support: number }[]): string {
  const n = perClass.length;
  const plotWidth = 360;
  const plotHeight = Math.max(60, 20 * n);
  const band = plotHeight / Math.max(1, n);
  const barHeight = Math.min(band * 0.8, 18);
  const names = perClass.map((c) => truncateText(c.label, F1_LABEL_LIMIT, LABEL_SIZE));
  const nameWidth = names.reduce((m, l) => Math.max(m, textWidth(l, LABEL_SIZE)), 0);
  const plotLeft = PAD + nameWidth + 10;
  const plotTop = PAD + TITLE_SIZE + 14;
  const plotBottom = plotTop + plotHeight;
  // Room right of the plot for "1.000" beside a full bar.
  const width = Math.max(plotLeft + plotWidth + 4 + textWidth('1.000', LABEL_SIZE) + PAD, textWidth('F1 score per class', TITLE_SIZE, true) + 2 * PAD);
  const height = plotBottom + 16 + 6 + AXIS_TITLE_SIZE + PAD;
  const x = linearScale([0, 1], [plotLeft, plotLeft + plotWidth]);

  const body: string[] = [chartTitle('F1 score per class', plotLeft + plotWidth / 2, width)];
  const ticks = ticksOf(0, 1, 0.2);
  for (const t of ticks) body.push(line(x(t), plotTop, x(t), plotBottom, GRID_COLOUR));
  perClass.forEach((c, i) => {
    const centre = plotTop + i * band + band / 2;
    body.push(svgText(names[i], { x: plotLeft - 6, y: centre + LABEL_SIZE * 0.35, size: LABEL_SIZE, anchor: 'end', fill: LABEL_COLOUR }));
    if (!Number.isFinite(c.f1)) {
      body.push(svgText('n/a', { x: plotLeft + 4, y: centre + LABEL_SIZE * 0.35, size: LABEL_SIZE, fill: LABEL_COLOUR }));
      return;
    }
    const end = x(Math.min(1, Math.max(0, c.f1)));
    body.push(`<rect class="bar" x="${num(plotLeft)}" y="${num(centre - barHeight / 2)}" width="${num(end - plotLeft)}" height="${num(barHeight)}" fill="#4c78a8"/>`);
    body.push(svgText(c.f1.toFixed(3), { x: end + 4, y: centre + LABEL_SIZE * 0.35, size: LABEL_SIZE }));
  });
  body.push(line(plotLeft, plotTop, plotLeft, plotBottom, AXIS_COLOUR));
  body.push(line(plotLeft, plotBottom, plotLeft + plotWidth, plotBottom, AXIS_COLOUR));
  for (const t of ticks) {
    body.push(line(x(t), plotBottom, x(t), plotBottom + 4, AXIS_COLOUR));
    body.push(svgText(formatTick(t, 0.2), { x: x(t), y: plotBottom + 16, size: LABEL_SIZE, anchor: 'middle', fill: LABEL_COLOUR }));
  }
  body.push(svgText('F1', { x: plotLeft + plotWidth / 2, y: plotBottom + 22 + AXIS_TITLE_SIZE, size: AXIS_TITLE_SIZE, anchor: 'middle', weight: 'bold' }));
  return svgDocument(width, height, body);
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

export function confusionMatrixPng(labels: string[], counts: number[][]): Promise<Buffer> {
  return svgToPng(confusionMatrixSvg(labels, counts));
}

export function perClassF1Png(perClass: { label: string; f1: number; support: number }[]): Promise<Buffer> {
  return svgToPng(perClassF1Svg(perClass));
}

/** PNG of the learning curves; the transfer command saves it into the run directory too. */
export function learningCurvesPng(history: readonly HistoryPoint[]): Promise<Buffer> {
  return svgToPng(learningCurvesSvg(history));
}
