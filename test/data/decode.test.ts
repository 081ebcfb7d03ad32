// Decoding with sharp to the model's size and channels: grey<->RGB, EXIF orientation, alpha,
// 16-bit PNG, CMYK JPEG, first frame of a GIF, and the three resize modes. Real files, no TensorFlow.
import * as path from 'path';
import { decodeImageBytes, defaultDecodeConfig } from '../../src/data';
import { convertChannels, DecodeFailure } from '../../src/data/decode';
import { removeDir, sharp, tempDir, writePngBomb } from '../helpers/images';
import * as fs from 'fs';

const cfg = defaultDecodeConfig();
const px = (img: Uint8Array, w: number, c: number, x: number, y: number) => Array.from(img.subarray((y * w + x) * c, (y * w + x) * c + c));

/** w x h RGB: left half red, right half blue. */
function halves(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  return b;
}

describe('decodeImageBytes', () => {
  it('turns RGB into grey and grey into RGB', async () => {
    const rgb = await sharp({ create: { width: 10, height: 10, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toBuffer();
    const grey = await decodeImageBytes(rgb, { height: 10, width: 10, channels: 1, resize: 'fill' }, cfg);
    expect(grey.length).toBe(100);
    expect(Math.abs(grey[0] - (0.299 * 200 + 0.587 * 100 + 0.114 * 50))).toBeLessThanOrEqual(12); // libvips works in linear light
    const g = await sharp(Buffer.alloc(64, 90), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    const out = await decodeImageBytes(g, { height: 8, width: 8, channels: 3, resize: 'fill' }, cfg);
    expect(out.length).toBe(8 * 8 * 3);
    expect(px(out, 8, 3, 3, 3)).toEqual([90, 90, 90]);
  });

  it('honours EXIF orientation', async () => {
    // Stored 40 wide x 20 high, red left; orientation 6 shows it turned 90° clockwise: red on top.
    const jpg = await sharp(halves(40, 20), { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const out = await decodeImageBytes(jpg, { height: 40, width: 20, channels: 3, resize: 'fill' }, cfg);
    const top = px(out, 20, 3, 10, 2);
    const bottom = px(out, 20, 3, 10, 37);
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
  });

  it('flattens transparency onto the fixed background', async () => {
    const rgba = Buffer.alloc(8 * 8 * 4);
    for (let i = 0; i < 64; i++) rgba.set(i < 32 ? [255, 255, 255, 0] : [0, 255, 0, 255], i * 4);
    const png = await sharp(rgba, { raw: { width: 8, height: 8, channels: 4 } }).png().toBuffer();
    const out = await decodeImageBytes(png, { height: 8, width: 8, channels: 3, resize: 'fill' }, cfg);
    expect(px(out, 8, 3, 2, 1)).toEqual([0, 0, 0]);
    expect(px(out, 8, 3, 2, 6)).toEqual([0, 255, 0]);
  });

  it('reduces 16-bit PNGs to 8 bits', async () => {
    const w = 16;
    const values = new Uint16Array(w * w).map((_, i) => i * 250);
    const png16 = await sharp(values, { raw: { width: w, height: w, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const out = await decodeImageBytes(png16, { height: w, width: w, channels: 1, resize: 'fill' }, cfg);
    for (const i of [0, 17, 100, 255]) expect(Math.abs(out[i] - values[i] / 257)).toBeLessThanOrEqual(1);
  });

  it('converts CMYK JPEGs to RGB', async () => {
    const cmyk = await sharp({ create: { width: 12, height: 12, channels: 3, background: { r: 220, g: 30, b: 30 } } }).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const out = await decodeImageBytes(cmyk, { height: 12, width: 12, channels: 3, resize: 'fill' }, cfg);
    const [r, g, b] = px(out, 12, 3, 6, 6);
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(100);
    expect(b).toBeLessThan(100);
  });

  it('uses the first frame of an animation', async () => {
    const red = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'red' } }).png().toBuffer();
    const blue = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'blue' } }).png().toBuffer();
    const gif = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const out = await decodeImageBytes(gif, { height: 10, width: 10, channels: 3, resize: 'fill' }, cfg);
    expect(out.length).toBe(300);
    const [r, , b] = px(out, 10, 3, 5, 5);
    expect(r).toBeGreaterThan(200);
    expect(b).toBeLessThan(50);
  });

  it('resizes by cover (crop), contain (letterbox) and fill (stretch)', async () => {
    // 60 wide x 20 high: red | green | blue thirds.
    const w = 60;
    const h = 20;
    const b = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b.set(x < 20 ? [255, 0, 0] : x < 40 ? [0, 255, 0] : [0, 0, 255], (y * w + x) * 3);
    const png = await sharp(b, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    const t = { height: 30, width: 30, channels: 3 as const };
    const cover = await decodeImageBytes(png, { ...t, resize: 'cover' }, cfg);
    expect(px(cover, 30, 3, 1, 15)[1]).toBeGreaterThan(200); // only the green middle survives the crop
    expect(px(cover, 30, 3, 28, 15)[1]).toBeGreaterThan(200);
    const contain = await decodeImageBytes(png, { ...t, resize: 'contain' }, cfg);
    expect(px(contain, 30, 3, 15, 1)).toEqual([0, 0, 0]); // letterbox bar
    expect(px(contain, 30, 3, 1, 15)[0]).toBeGreaterThan(200);
    const fill = await decodeImageBytes(png, { ...t, resize: 'fill' }, cfg);
    expect(px(fill, 30, 3, 1, 1)[0]).toBeGreaterThan(200);
    expect(px(fill, 30, 3, 28, 28)[2]).toBeGreaterThan(200);
  });

  it('refuses bombs and broken bytes with a DecodeFailure carrying the reason', async () => {
    const dir = tempDir('decode');
    try {
      const bomb = fs.readFileSync(writePngBomb(path.join(dir, 'bomb.png')));
      await expect(decodeImageBytes(bomb, { height: 8, width: 8, channels: 3, resize: 'fill' }, cfg)).rejects.toThrow(DecodeFailure);
      await expect(decodeImageBytes(bomb, { height: 8, width: 8, channels: 3, resize: 'fill' }, cfg)).rejects.toThrow(/pixel limit/);
      await expect(decodeImageBytes(Buffer.from('nope'), { height: 8, width: 8, channels: 3, resize: 'fill' }, cfg)).rejects.toThrow(/not an image/);
    } finally {
      removeDir(dir);
    }
  });
});

describe('convertChannels', () => {
  it('replicates grey, drops alpha and weights RGB by luma', () => {
    expect(Array.from(convertChannels(Uint8Array.from([7, 9]), 2, 1, 3))).toEqual([7, 7, 7, 9, 9, 9]);
    expect(Array.from(convertChannels(Uint8Array.from([7, 255, 9, 0]), 2, 2, 1))).toEqual([7, 9]);
    expect(Array.from(convertChannels(Uint8Array.from([1, 2, 3, 255]), 1, 4, 3))).toEqual([1, 2, 3]);
    expect(Array.from(convertChannels(Uint8Array.from([255, 0, 0]), 1, 3, 1))).toEqual([76]);
  });
});
