// Charts of per-class results, as SVG text built by pure functions plus their PNG renderings:
// the confusion matrix heatmap and the per-class F1 bars.
import { escapeXml, formatTick, linearScale, num, svgDocument, svgText, svgToPng, textWidth, ticksOf, truncateText } from './svg';
import { AXIS_COLOUR, AXIS_TITLE_SIZE, chartTitle, GRID_COLOUR, LABEL_COLOUR, LABEL_SIZE, line, PAD, TITLE_SIZE } from './chart-style';

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

  body.push(...shareOfRowLegend(legendTitle, legendX, plotTop, legendBar));
  return svgDocument(width, height, body);
}

/** The colour legend beside the matrix: a vertical gradient, 1 at the top, sampled at the cells' stops. */
function shareOfRowLegend(title: string, x: number, top: number, barHeight: number): string[] {
  const barTop = top + LABEL_SIZE + 8;
  const stops = BLUES.map(([f]) => `<stop offset="${1 - f}" stop-color="${blueFor(f)}"/>`).reverse();
  const out = [
    `<defs><linearGradient id="share-of-row" x1="0" y1="0" x2="0" y2="1">${stops.join('')}</linearGradient></defs>`,
    svgText(title, { x, y: top + LABEL_SIZE, size: LABEL_SIZE, weight: 'bold' }),
    `<rect x="${num(x)}" y="${num(barTop)}" width="12" height="${num(barHeight)}" fill="url(#share-of-row)" stroke="#bbb"/>`,
  ];
  for (const [v, text] of [[1, '1'], [0.5, '0.5'], [0, '0']] as const) {
    const y = barTop + (1 - v) * barHeight;
    out.push(svgText(text, { x: x + 18, y: y + LABEL_SIZE * 0.35, size: LABEL_SIZE, fill: LABEL_COLOUR }));
  }
  return out;
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

export function confusionMatrixPng(labels: string[], counts: number[][]): Promise<Buffer> {
  return svgToPng(confusionMatrixSvg(labels, counts));
}

export function perClassF1Png(perClass: { label: string; f1: number; support: number }[]): Promise<Buffer> {
  return svgToPng(perClassF1Svg(perClass));
}
