// Test fixtures for the data room, drawn with sharp into temp dirs: distinct images per seed,
// and every kind of bad file the loader must survive. Not a test file itself.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

type SharpConstructor = import('sharp').SharpConstructor;
// eslint-disable-next-line @typescript-eslint/no-var-requires
import { tempDir, removeDir } from './temp';
export { tempDir, removeDir };

export const sharp = require('sharp') as SharpConstructor;

/** Raw RGB pixels whose content depends on `seed` (so different seeds never collide). */
export function patternPixels(w: number, h: number, seed: number, channels = 3): Buffer {
  const buf = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) buf[(y * w + x) * channels + c] = (x * (seed % 7 + 1) + y * (seed % 5 + 2) + c * 40 + seed * 13) % 256;
    }
  }
  return buf;
}

export type Format = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff';

/** Writes a distinct image; returns its path. */
export async function writeImage(file: string, opts: { seed: number; w?: number; h?: number; format?: Format; channels?: 1 | 3 }): Promise<string> {
  const w = opts.w ?? 24;
  const h = opts.h ?? 20;
  const channels = opts.channels ?? 3;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let img = sharp(patternPixels(w, h, opts.seed, channels), { raw: { width: w, height: h, channels } });
  if (channels === 1) img = img.toColourspace('b-w');
  const format = opts.format ?? (path.extname(file).toLowerCase() === '.png' ? 'png' : 'jpeg');
  await img.toFormat(format).toFile(file);
  return file;
}

export async function writeSolid(file: string, w: number, h: number, rgb: [number, number, number], format: Format = 'png'): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .toFormat(format)
    .toFile(file);
  return file;
}

/** A JPEG cut in half: the header reads fine, the pixels do not. */
export async function writeTruncatedJpeg(file: string, seed: number): Promise<string> {
  const jpg = await sharp(patternPixels(64, 64, seed), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, jpg.subarray(0, Math.floor(jpg.length / 2)));
  return file;
}

/**
 * A tiny PNG whose header claims width x height pixels (a decompression bomb's calling card):
 * only a few hundred bytes on disk, refused on its header.
 */
export function writePngBomb(file: string, width = 50000, height = 50000): string {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  const idat = zlib.deflateSync(Buffer.alloc(width + 1)); // one row of zeros; the rest never comes
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, png);
  return file;
}

export function writeText(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}
