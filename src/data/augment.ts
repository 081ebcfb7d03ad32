// Seeded, on-the-fly augmentation of decoded uint8 images: horizontal flip, rotation, zoom,
// shift (one affine warp with bilinear sampling, edges clamped) and brightness/contrast.
// Pure: parameters come from a PRNG the caller seeds per (seed, epoch, example).
import { UsageError } from '../errors';

/** Strength of each augmentation; 0 (or false) turns it off. */
export interface AugmentConfig {
  /** mirror left-right with probability 1/2 */
  flip: boolean;
  /** rotate by a uniform angle in [-rotationDeg, +rotationDeg] degrees */
  rotationDeg: number;
  /** scale by a uniform factor in [1 - zoom, 1 + zoom] (above 1 crops in) */
  zoom: number;
  /** translate by up to this fraction of the width/height in each direction */
  shift: number;
  /** add a uniform offset in [-brightness, +brightness] x 255 */
  brightness: number;
  /** stretch around the image mean by a factor in [1 - contrast, 1 + contrast] */
  contrast: number;
}

/** What `--augment` alone turns on: mild settings that suit photos and Fashion-MNIST alike. */
export function defaultAugmentConfig(): AugmentConfig {
  return { flip: true, rotationDeg: 10, zoom: 0.1, shift: 0.1, brightness: 0.1, contrast: 0.1 };
}

export function noAugmentConfig(): AugmentConfig {
  return { flip: false, rotationDeg: 0, zoom: 0, shift: 0, brightness: 0, contrast: 0 };
}

/** Accepted ranges; beyond them an augmentation destroys more than it teaches. */
const LIMITS: Record<Exclude<keyof AugmentConfig, 'flip'>, { max: number; aliases: string[] }> = {
  rotationDeg: { max: 180, aliases: ['rotation', 'rotate'] },
  zoom: { max: 0.9, aliases: ['zoom'] },
  shift: { max: 0.5, aliases: ['shift'] },
  brightness: { max: 1, aliases: ['brightness'] },
  contrast: { max: 1, aliases: ['contrast'] },
};

const AUGMENT_HINT =
  'Write e.g. --augment flip,rotation=15,zoom=0.1,shift=0.1,brightness=0.2,contrast=0.2 (names alone take the default strength), ' +
  '--augment alone for all defaults, or --augment none.';

/**
 * Parses the --augment value. `true` (flag without a list) gives the defaults; a list turns on
 * exactly the named augmentations, each with its given or default strength; "none" gives undefined.
 */
export function parseAugmentList(value: string | true): AugmentConfig | undefined {
  if (value === true) return defaultAugmentConfig();
  const text = value.trim().toLowerCase();
  if (text === 'none' || text === 'off') return undefined;
  if (text === '' || text === 'default' || text === 'all') return defaultAugmentConfig();
  const defaults = defaultAugmentConfig();
  const cfg = noAugmentConfig();
  for (const item of text.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const [name, rawValue, ...rest] = item.split('=').map((s) => s.trim());
    if (rest.length) throw new UsageError(`--augment: cannot read "${item}"`, AUGMENT_HINT);
    if (name === 'flip') {
      if (rawValue !== undefined && !['true', 'false', '1', '0'].includes(rawValue)) {
        throw new UsageError(`--augment: flip takes no strength (got "${item}")`, AUGMENT_HINT);
      }
      cfg.flip = rawValue === undefined || rawValue === 'true' || rawValue === '1';
      continue;
    }
    const key = (Object.keys(LIMITS) as (keyof typeof LIMITS)[]).find((k) => LIMITS[k].aliases.includes(name));
    if (!key) throw new UsageError(`--augment: unknown augmentation "${name}"`, AUGMENT_HINT);
    if (rawValue === undefined) {
      cfg[key] = defaults[key];
      continue;
    }
    const v = Number(rawValue);
    if (rawValue === '' || !Number.isFinite(v) || v < 0 || v > LIMITS[key].max) {
      throw new UsageError(`--augment: ${name}=${rawValue} is not a number from 0 to ${LIMITS[key].max}`, AUGMENT_HINT);
    }
    cfg[key] = v;
  }
  return cfg;
}

/** The concrete transform of one example in one epoch. */
export interface AugmentParams {
  flip: boolean;
  /** radians (positive turns the picture clockwise on screen, since y points down) */
  angle: number;
  /** >1 zooms in */
  scale: number;
  /** translation as a fraction of width / height */
  dx: number;
  dy: number;
  /** additive, in 0..1 units of the full range */
  brightness: number;
  /** multiplicative around the mean */
  contrast: number;
}

/**
 * Draws parameters. Always consumes the same seven numbers, so turning one augmentation on or
 * off does not change what the others draw for the same seed.
 */
export function sampleAugmentParams(cfg: AugmentConfig, rand: () => number): AugmentParams {
  // Uniform in [-amount, amount). Every draw is taken even at amount 0, so switching one
  // augmentation off leaves the others' values unchanged; 0 gives exactly 0, never -0.
  const sym = (amount: number) => {
    const draw = rand() * 2 - 1;
    return amount === 0 ? 0 : draw * amount;
  };
  const flipDraw = rand();
  const angle = sym((cfg.rotationDeg * Math.PI) / 180);
  const scale = 1 + sym(cfg.zoom);
  const dx = sym(cfg.shift);
  const dy = sym(cfg.shift);
  const brightness = sym(cfg.brightness);
  const contrast = 1 + sym(cfg.contrast);
  return { flip: cfg.flip && flipDraw < 0.5, angle, scale, dx, dy, brightness, contrast };
}

/**
 * Applies `p` to an interleaved uint8 image (h x w x c) and returns a new image of the same shape.
 * Geometry maps each output pixel back into the source (inverse of flip, zoom, rotate, shift
 * about the centre) and samples bilinearly, clamping at the edges (no black corners).
 */
export function augmentPixels(src: Uint8Array, h: number, w: number, c: number, p: AugmentParams): Uint8Array {
  const geometric = p.flip || p.angle !== 0 || p.scale !== 1 || p.dx !== 0 || p.dy !== 0;
  let out = geometric ? warp(src, h, w, c, p) : src.slice();
  if (p.brightness !== 0 || p.contrast !== 1) out = photometric(out, p.brightness, p.contrast);
  return out;
}

function warp(src: Uint8Array, h: number, w: number, c: number, p: AugmentParams): Uint8Array {
  const out = new Uint8Array(h * w * c);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const cos = Math.cos(p.angle);
  const sin = Math.sin(p.angle);
  const inv = 1 / p.scale;
  const tx = p.dx * w;
  const ty = p.dy * h;
  for (let yo = 0; yo < h; yo++) {
    for (let xo = 0; xo < w; xo++) {
      // Undo the shift, then the rotation, then the zoom, then the flip.
      const u = xo - cx - tx;
      const v = yo - cy - ty;
      let xs = (cos * u + sin * v) * inv;
      const ys = (-sin * u + cos * v) * inv + cy;
      if (p.flip) xs = -xs;
      xs += cx;
      const x0f = Math.floor(xs);
      const y0f = Math.floor(ys);
      const fx = xs - x0f;
      const fy = ys - y0f;
      const x0 = x0f < 0 ? 0 : x0f > w - 1 ? w - 1 : x0f;
      const x1 = x0f + 1 < 0 ? 0 : x0f + 1 > w - 1 ? w - 1 : x0f + 1;
      const y0 = y0f < 0 ? 0 : y0f > h - 1 ? h - 1 : y0f;
      const y1 = y0f + 1 < 0 ? 0 : y0f + 1 > h - 1 ? h - 1 : y0f + 1;
      const i00 = (y0 * w + x0) * c;
      const i01 = (y0 * w + x1) * c;
      const i10 = (y1 * w + x0) * c;
      const i11 = (y1 * w + x1) * c;
      const o = (yo * w + xo) * c;
      for (let k = 0; k < c; k++) {
        const top = src[i00 + k] + (src[i01 + k] - src[i00 + k]) * fx;
        const bottom = src[i10 + k] + (src[i11 + k] - src[i10 + k]) * fx;
        out[o + k] = Math.round(top + (bottom - top) * fy); // a blend of 0..255 values stays in 0..255
      }
    }
  }
  return out;
}

function photometric(img: Uint8Array, brightness: number, contrast: number): Uint8Array {
  let sum = 0;
  for (let i = 0; i < img.length; i++) sum += img[i];
  const mean = sum / img.length;
  const add = brightness * 255 + mean * (1 - contrast);
  // Uint8ClampedArray rounds and clamps to 0..255 on write.
  const out = new Uint8ClampedArray(img.length);
  for (let i = 0; i < img.length; i++) out[i] = img[i] * contrast + add;
  return new Uint8Array(out.buffer);
}
