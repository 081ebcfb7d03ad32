// Small JPEG data URIs of what the model saw, for the report's "most confident mistakes".
// Input is a preprocessed model input (float NHWC row), turned back into 0..255 pixels.
import type { Preprocessing } from '../data/types';
import type { ModelInputImage } from '../evaluate';

/** Undoes `preprocessing` to 0..255 bytes (clamped, rounded). Pure. */
export function toDisplayBytes(pixels: Float32Array, channels: number, preprocessing: Preprocessing): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const x = pixels[i];
    let v: number;
    switch (preprocessing.kind) {
      case 'scale01':
        v = x * 255;
        break;
      case 'scaleMinus1To1':
        v = (x + 1) * 127.5;
        break;
      case 'meanStd': {
        const c = i % channels;
        // One mean/std value applies to every channel, as in the data room's preprocessing.
        const mean = preprocessing.mean.length === 1 ? preprocessing.mean[0] : preprocessing.mean[c];
        const std = preprocessing.std.length === 1 ? preprocessing.std[0] : preprocessing.std[c];
        v = (x * std + mean) * 255;
        break;
      }
    }
    out[i] = Math.max(0, Math.min(255, Math.round(v)));
  }
  return out;
}

/** A JPEG data URI at most `size` px on its longer side (small images are enlarged for visibility). */
export async function thumbnailDataUri(img: ModelInputImage, preprocessing: Preprocessing, size = 112): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sharp = require('sharp') as typeof import('sharp').default;
  const bytes = toDisplayBytes(img.pixels, img.channels, preprocessing);
  const jpeg = await sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels },
  })
    // Nearest-neighbour when enlarging keeps tiny inputs (28x28) honest instead of blurred.
    .resize(size, size, { fit: 'inside', kernel: img.width < size ? 'nearest' : 'lanczos3' })
    .jpeg({ quality: 80 })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}
