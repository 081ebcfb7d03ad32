// Small SVG building blocks shared by the chart builders in charts.ts (escaping, scales, nice
// ticks, text width estimates, the document wrapper) and the SVG-to-PNG step through sharp.

/** One font stack for every chart; DejaVu Sans is what librsvg finds on most Linux machines. */
export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Text safe inside SVG/XML element content and double- or single-quoted attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A coordinate or length for an attribute: at most 2 decimals, no '-0', no exponent noise. */
export function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps everything to the middle. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/**
 * A round step (1, 2 or 5 × 10^k) that cuts `span` into about `count` intervals, and never below
 * `minStep` (1 for epoch axes, so ticks stay whole numbers).
 */
export function niceStep(span: number, count = 5, minStep = 0): number {
  if (!(span > 0) || !Number.isFinite(span)) return Math.max(1, minStep);
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const fraction = raw / power; // in [1, 10); the slack absorbs 0.2 / 0.1 landing a hair above 2
  const step = (fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10) * power;
  return Math.max(step, minStep);
}

/** Ticks at multiples of `step` inside [lo, hi] (with a little slack for rounding error). */
export function ticksOf(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  const eps = step * 1e-9;
  for (let k = Math.ceil((lo - eps) / step); k * step <= hi + eps; k++) {
    // Rounded through toFixed so 0.30000000000000004 prints and compares as 0.3.
    out.push(Number((k * step).toFixed(decimalsOf(step))) + 0);
  }
  return out;
}

/** Decimal places that show every multiple of a 1/2/5 × 10^k step exactly ("0.2" needs one). */
export function decimalsOf(step: number): number {
  return step > 0 && Number.isFinite(step) ? Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) : 0;
}

/**
 * A domain that starts and ends on round ticks and contains [lo, hi]: the loss axis, called with
 * lo = 0, so losses all 0.7 give [0, 0.8]. An empty range becomes [0, 1] and a single value is
 * widened by a tenth of itself first.
 */
export function niceDomain(lo: number, hi: number, count = 5): { domain: [number, number]; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) [lo, hi] = [0, 1];
  if (hi === lo) hi = lo === 0 ? 1 : lo + Math.abs(lo) * 0.1;
  const step = niceStep(hi - lo, count);
  const round = (v: number) => Number(v.toFixed(decimalsOf(step))) + 0; // 0.30000000000000004 -> 0.3
  const d0 = round(Math.floor(lo / step + 1e-9) * step);
  const d1 = round(Math.ceil(hi / step - 1e-9) * step);
  return { domain: [d0, d1], ticks: ticksOf(d0, d1, step) };
}

/** Tick text for a value on an axis whose step is `step` ("0.2", "1.5", "10"). */
export function formatTick(v: number, step: number): string {
  return v.toFixed(decimalsOf(step));
}

/**
 * Advance widths in em of DejaVu Sans (the font librsvg finds here; Helvetica and Arial are
 * narrower, so estimates err towards room to spare), grouped by width. Measured once from
 * rendered text; good to a few per cent, which is all layout needs.
 */
const EM_WIDTHS: readonly (readonly [number, string])[] = [
  [0.28, "ijlIJ'"],
  [0.32, ' ,.:;/\\|'],
  [0.37, 'ft-()[]!r'],
  [0.46, '"'],
  [0.51, 's*_`z?c'],
  [0.58, 'LFkTvxyP'],
  [0.63, 'aeoEhnu0123456789$SbdgpqK{}'],
  [0.7, 'VBRXZCAU'],
  [0.77, 'HND&GOQ'],
  [0.85, 'w#+<=>^~M'],
  [1.0, '%mW@…'],
];
const EM_OF = new Map<string, number>(EM_WIDTHS.flatMap(([em, chars]) => Array.from(chars, (c): [string, number] => [c, em])));

/** Estimated width in px of `text` at `fontSize`; bold runs about 15% wider. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    const known = EM_OF.get(ch);
    if (known !== undefined) em += known;
    else if (ch <= '\u024f') em += 0.63; // other Latin letters: like the lower-case average
    else em += 1.0; // CJK and other wide scripts
  }
  return em * fontSize * (bold ? 1.15 : 1);
}

/** `text` cut to fit `maxWidth` px at `fontSize`, ending in an ellipsis when cut. */
export function truncateText(text: string, maxWidth: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const chars = Array.from(text); // by code point, so a surrogate pair is never split
  const ellipsis = '…';
  while (chars.length > 0 && textWidth(chars.join('') + ellipsis, fontSize) > maxWidth) chars.pop();
  return chars.join('') + ellipsis;
}

/** Attributes of a <text>; `content` is escaped here, so callers pass raw class names. */
export interface TextOptions {
  x: number;
  y: number;
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  fill?: string;
  weight?: 'bold';
  /** degrees, about (x, y); negative turns counter-clockwise (SVG's y axis points down) */
  rotate?: number;
  /** a white outline under the glyphs, so the text stays readable where it crosses lines */
  halo?: boolean;
}

/**
 * A <text> element. `y` is the baseline; to centre text vertically on a line at y0 pass
 * y0 + 0.35 × size (dominant-baseline is not honoured the same way by every renderer).
 */
export function svgText(content: string, o: TextOptions): string {
  const size = o.size ?? 11;
  const attrs = [`x="${num(o.x)}"`, `y="${num(o.y)}"`, `font-size="${num(size)}"`];
  if (o.anchor && o.anchor !== 'start') attrs.push(`text-anchor="${o.anchor}"`);
  if (o.fill) attrs.push(`fill="${o.fill}"`);
  if (o.weight) attrs.push(`font-weight="${o.weight}"`);
  if (o.halo) attrs.push('stroke="white" stroke-width="3" stroke-linejoin="round" paint-order="stroke"');
  if (o.rotate) attrs.push(`transform="rotate(${num(o.rotate)} ${num(o.x)} ${num(o.y)})"`);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

/** A complete SVG document of width × height px on a white background (PNGs go on any page). */
export function svgDocument(width: number, height: number, body: string[]): string {
  const w = num(Math.ceil(width));
  const h = num(Math.ceil(height));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${escapeXml(FONT_FAMILY)}" fill="#000">`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="white"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/**
 * PNG of an SVG. `scale` 2 renders at 144 dpi (twice the SVG's CSS pixels) so text stays crisp
 * on high-density screens. Text is drawn by librsvg with the system fonts (fontconfig).
 */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sharp = require('sharp') as typeof import('sharp').default;
  return sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
}
