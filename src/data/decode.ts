// Turns one example into the pixels a model wants: uint8 HxWxC at the requested size and
// channel count, decoded and resized by sharp (EXIF orientation, alpha flattened, 16-bit,
// CMYK, first frame of animations). Built-in 28x28 grey rows are copied without sharp when
// no resize or conversion is needed. Not here: scaling to floats (preprocess.ts), augmentation.
import { readImageFile } from './read-file';
import type { ResizeMode } from './types';
import type { Example } from './dataset-types';
import { DecodeConfig } from './decode-config';
import { BUILTIN_SIDE, builtinRow, loadBuiltinClass } from './builtin';
import { contentHash, describeSharpError } from './probe';

/** The decoded shape: what InputSpec says, minus preprocessing. */
export interface DecodeTarget {
  height: number;
  width: number;
  channels: 1 | 3;
  resize: ResizeMode;
}

/** A decode that failed for a reason worth telling the user (the file is skipped, not the run). */
export class DecodeFailure extends Error {}

type Sharp = import('sharp').SharpConstructor;
let sharpModule: Sharp | undefined;
function sharpLib(): Sharp {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  if (!sharpModule) sharpModule = require('sharp') as Sharp;
  return sharpModule;
}

/** Decodes an example; throws DecodeFailure with a readable reason for bad or changed files. */
export async function decodeExample(ex: Example, target: DecodeTarget, cfg: DecodeConfig): Promise<Uint8Array> {
  if (ex.source.kind === 'builtin') {
    const data = await loadBuiltinClass(ex.source.set, ex.source.classIndex);
    return decodeGreyRaw(builtinRow(data, ex.source.index), BUILTIN_SIDE, BUILTIN_SIDE, target);
  }
  let bytes: Buffer;
  try {
    bytes = await readImageFile(ex.source.path, cfg.maxBytes);
  } catch (err) {
    throw new DecodeFailure((err as Error).message);
  }
  // Hashing costs ~0.2 ms for a 200 kB JPEG and guarantees we train on what was split.
  if (contentHash(bytes) !== ex.hash) {
    throw new DecodeFailure('the file changed since the data set was loaded (content hash differs)');
  }
  return decodeImageBytes(bytes, target, cfg);
}

/** Decodes encoded image bytes (any format sharp reads) to uint8 HxWxC. */
export async function decodeImageBytes(bytes: Buffer | string, target: DecodeTarget, cfg: DecodeConfig): Promise<Uint8Array> {
  const sharp = sharpLib();
  const { width, height, channels } = target;
  let out: { data: Buffer; info: import('sharp').OutputInfo };
  try {
    let img = sharp(bytes, { failOn: cfg.failOn, limitInputPixels: cfg.maxPixels, autoOrient: true, animated: false })
      .flatten({ background: cfg.background })
      .resize(width, height, { fit: target.resize, background: cfg.background, position: 'centre' });
    img = channels === 1 ? img.toColourspace('b-w') : img.toColourspace('srgb');
    out = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new DecodeFailure(describeSharpError(err));
  }
  if (out.info.width !== width || out.info.height !== height) {
    throw new DecodeFailure(`decoded to ${out.info.width}x${out.info.height} instead of ${width}x${height}`);
  }
  return convertChannels(new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length), width * height, out.info.channels, channels);
}

/**
 * A grey HxW uint8 image (a built-in row) to the target. Same size and one channel: a plain
 * copy. Same size, three channels: replicated in JS. Other sizes: sharp resizes the raw pixels.
 */
export async function decodeGreyRaw(grey: Uint8Array, srcHeight: number, srcWidth: number, target: DecodeTarget): Promise<Uint8Array> {
  if (target.height === srcHeight && target.width === srcWidth) {
    return target.channels === 1 ? grey.slice() : convertChannels(grey, srcHeight * srcWidth, 1, 3);
  }
  const sharp = sharpLib();
  const { data, info } = await sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.length), {
    raw: { width: srcWidth, height: srcHeight, channels: 1 },
  })
    .resize(target.width, target.height, { fit: target.resize, background: { r: 0, g: 0, b: 0 } })
    .toColourspace('b-w')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return convertChannels(new Uint8Array(data.buffer, data.byteOffset, data.length), target.width * target.height, info.channels, target.channels);
}

/**
 * Converts interleaved pixels between channel counts: grey(+alpha) <-> RGB(A). Alpha is dropped
 * (sharp has already flattened it); RGB to grey uses Rec. 601 luma, as libvips does.
 */
export function convertChannels(src: Uint8Array, pixels: number, from: number, to: 1 | 3): Uint8Array {
  if (from === to) return src;
  const out = new Uint8Array(pixels * to);
  if (from <= 2) {
    for (let p = 0; p < pixels; p++) {
      const v = src[p * from];
      if (to === 1) out[p] = v;
      else {
        out[p * 3] = v;
        out[p * 3 + 1] = v;
        out[p * 3 + 2] = v;
      }
    }
    return out;
  }
  for (let p = 0; p < pixels; p++) {
    const r = src[p * from];
    const g = src[p * from + 1];
    const b = src[p * from + 2];
    if (to === 1) out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    else {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    }
  }
  return out;
}
