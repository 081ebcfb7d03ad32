// Reads one image file once: its content hash, and whether sharp can use it (header check,
// or a full decode to catch truncated files). Turns failures into a reason a person can act on.
// Not here: deciding labels or splits, or producing pixels for training (decode.ts).
import { createHash } from 'crypto';
import { readImageFile } from './read-file';
import { ACCEPTED_FORMATS, DecodeConfig } from './decode-config';

/** What inspect shows about a readable image. Sizes are after EXIF orientation. */
export interface ImageFacts {
  width: number;
  height: number;
  /** channels as stored: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA or CMYK */
  channels: number;
  /** 'grey', 'grey+alpha', 'rgb', 'rgba', 'cmyk', ... */
  colour: string;
  format: string;
  /** bits per sample as sharp names them: uchar (8), ushort (16), ... */
  depth: string;
  bytes: number;
  /** frames in an animation, 1 otherwise; only the first is used */
  pages: number;
}

export type ProbeResult = { ok: true; hash: string; facts: ImageFacts } | { ok: false; reason: string };

export type CheckLevel = 'header' | 'decode';

/** First 128 bits of SHA-256 of the bytes, as 32 hex characters: the identity of an image. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

export async function probeImageFile(file: string, cfg: DecodeConfig, check: CheckLevel): Promise<ProbeResult> {
  let bytes: Buffer;
  try {
    bytes = await readImageFile(file, cfg.maxBytes);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  return probeImageBytes(bytes, cfg, check);
}

export async function probeImageBytes(bytes: Buffer, cfg: DecodeConfig, check: CheckLevel): Promise<ProbeResult> {
  if (bytes.length === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sharp = require('sharp') as import('sharp').SharpConstructor;
  let meta: import('sharp').Metadata;
  try {
    // No pixel limit for the header read: we compare the size ourselves to report it.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    return { ok: false, reason: describeSharpError(err) };
  }
  const format = String(meta.format ?? 'unknown');
  if (!ACCEPTED_FORMATS.has(format)) {
    return { ok: false, reason: `${format} images are not supported (use JPEG, PNG, WebP, GIF, TIFF or AVIF)` };
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (!(width > 0 && height > 0)) return { ok: false, reason: 'the header gives no image size' };
  if (width * height > cfg.maxPixels) {
    return {
      ok: false,
      reason: `too large: ${width}x${height} = ${(width * height / 1e6).toFixed(0)} megapixels, over the ${(cfg.maxPixels / 1e6).toFixed(0)} megapixel limit (decompression-bomb guard)`,
    };
  }
  if (check === 'decode') {
    try {
      // A small decode still reads every compressed byte (JPEG shrink-on-load skips pixels, not data),
      // so truncated and corrupt files fail here.
      await sharp(bytes, { failOn: cfg.failOn, limitInputPixels: cfg.maxPixels })
        .resize(32, 32, { fit: 'fill' })
        .raw()
        .toBuffer();
    } catch (err) {
      return { ok: false, reason: describeSharpError(err) };
    }
  }
  const channels = meta.channels ?? 0;
  return {
    ok: true,
    hash: contentHash(bytes),
    facts: {
      width,
      height,
      channels,
      colour: colourName(String(meta.space ?? ''), channels, Boolean(meta.hasAlpha)),
      format,
      depth: String(meta.depth ?? 'uchar'),
      bytes: bytes.length,
      pages: meta.pages ?? 1,
    },
  };
}

function colourName(space: string, channels: number, hasAlpha: boolean): string {
  if (space === 'cmyk') return 'cmyk';
  if (space === 'b-w' || space === 'grey16' || channels <= 2) return hasAlpha ? 'grey+alpha' : 'grey';
  return hasAlpha ? 'rgba' : 'rgb';
}

/** sharp/libvips messages, reworded: what is wrong with the file, not where in libvips it broke. */
export function describeSharpError(err: unknown): string {
  const msg = ((err as Error)?.message ?? String(err)).trim();
  if (/unsupported image format/i.test(msg)) return 'not an image, or a format sharp cannot read';
  if (/exceeds pixel limit/i.test(msg)) return 'too large: over the pixel limit (decompression-bomb guard)';
  if (/premature end|truncated|unexpected end|read error|not enough data|out of data/i.test(msg)) {
    return `truncated or damaged (${firstLine(msg)})`;
  }
  // With failOn 'warning', libvips reports damaged data only as "warning treated as error".
  if (/warning treated as error/i.test(msg)) return 'truncated or damaged (the decoder warned about corrupt or missing data)';
  if (/empty/i.test(msg)) return 'empty file (0 bytes)';
  return `cannot be decoded (${firstLine(msg)})`;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 160 ? line.slice(0, 157) + '...' : line;
}
