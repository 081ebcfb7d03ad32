// Pixel bytes (0..255) to model input floats, following the model's Preprocessing.
// Pure and allocation-free: writes into a batch buffer at an offset.
import type { Preprocessing } from './types';

/**
 * Writes `pixels` (uint8, interleaved, `channels` per pixel) as float32 into `out` from `offset`.
 * meanStd takes mean/std per channel in 0..1 units (ImageNet style); a single value applies to all.
 */
export function preprocessInto(pixels: Uint8Array, channels: number, prep: Preprocessing, out: Float32Array, offset: number): void {
  const n = pixels.length;
  switch (prep.kind) {
    case 'scale01':
      for (let i = 0; i < n; i++) out[offset + i] = pixels[i] / 255;
      return;
    case 'scaleMinus1To1':
      for (let i = 0; i < n; i++) out[offset + i] = pixels[i] / 127.5 - 1;
      return;
    case 'meanStd': {
      const scale = new Float64Array(channels);
      const shift = new Float64Array(channels);
      for (let c = 0; c < channels; c++) {
        const mean = prep.mean.length === 1 ? prep.mean[0] : prep.mean[c];
        const std = prep.std.length === 1 ? prep.std[0] : prep.std[c];
        if (mean === undefined || std === undefined || !(std > 0)) {
          throw new Error(`meanStd preprocessing needs ${channels} means and positive stds, got mean=[${prep.mean}] std=[${prep.std}]`);
        }
        // (x/255 - mean) / std as one multiply-add per value.
        scale[c] = 1 / (255 * std);
        shift[c] = -mean / std;
      }
      for (let i = 0; i < n; i++) {
        const c = i % channels;
        out[offset + i] = pixels[i] * scale[c] + shift[c];
      }
      return;
    }
    default: {
      const never: never = prep;
      throw new Error(`unknown preprocessing ${JSON.stringify(never)}`);
    }
  }
}
