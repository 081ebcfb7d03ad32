// Shared look of tl's charts: margins, font sizes, colours, the title and axis-line helpers.
import { num, svgText, textWidth } from './svg';

/** Outer white margin of every chart, px. */
export const PAD = 10;
/** Font sizes, px: tick and category labels, axis titles, chart titles. */
export const LABEL_SIZE = 11;
export const AXIS_TITLE_SIZE = 12;
export const TITLE_SIZE = 14;
export const AXIS_COLOUR = '#888';
export const GRID_COLOUR = '#e4e4e4';
export const LABEL_COLOUR = '#333';

/** A title centred on `centre` but moved inwards so it stays inside [PAD, width - PAD]. */
export function chartTitle(text: string, centre: number, width: number): string {
  const half = textWidth(text, TITLE_SIZE, true) / 2;
  const x = Math.min(Math.max(centre, PAD + half), width - PAD - half);
  return svgText(text, { x, y: PAD + TITLE_SIZE, size: TITLE_SIZE, anchor: 'middle', weight: 'bold' });
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}"${extra ? ' ' + extra : ''}/>`;
}
