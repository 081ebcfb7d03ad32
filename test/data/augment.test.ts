// Pure tests of augmentation: parsing --augment, determinism for a seed, exact identity and flip.
import { augmentPixels, defaultAugmentConfig, noAugmentConfig, parseAugmentList, sampleAugmentParams } from '../../src/data/augment';
import { seededRandom } from '../../src/random';
import { UsageError } from '../../src/errors';

function gradient(h: number, w: number, c: number): Uint8Array {
  const img = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) img[(y * w + x) * c + k] = (x * 7 + y * 3 + k * 50) % 256;
  return img;
}

describe('parseAugmentList', () => {
  it('gives the defaults for a bare flag and turns on exactly the listed ones', () => {
    expect(parseAugmentList(true)).toEqual(defaultAugmentConfig());
    expect(parseAugmentList('none')).toBeUndefined();
    expect(parseAugmentList('flip,rotation=15,zoom')).toEqual({ ...noAugmentConfig(), flip: true, rotationDeg: 15, zoom: defaultAugmentConfig().zoom });
    expect(parseAugmentList('rotate=5, brightness=0.3 ,contrast=0')).toEqual({ ...noAugmentConfig(), rotationDeg: 5, brightness: 0.3 });
  });

  it('refuses unknown names and out-of-range strengths with a UsageError naming --augment', () => {
    for (const bad of ['blur', 'zoom=2', 'shift=-0.1', 'rotation=abc', 'flip=0.5', 'zoom=0.1=2']) {
      expect(() => parseAugmentList(bad)).toThrow(UsageError);
      expect(() => parseAugmentList(bad)).toThrow(/--augment/);
    }
  });
});

describe('augmentPixels', () => {
  const h = 12;
  const w = 16;
  const c = 3;
  const img = gradient(h, w, c);

  it('is the identity when every strength is zero', () => {
    const p = sampleAugmentParams(noAugmentConfig(), seededRandom(1));
    const out = augmentPixels(img, h, w, c, p);
    expect(out).toEqual(img);
    expect(out).not.toBe(img);
  });

  it('mirrors exactly on a flip', () => {
    const out = augmentPixels(img, h, w, c, { flip: true, angle: 0, scale: 1, dx: 0, dy: 0, brightness: 0, contrast: 1 });
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) expect(out[(y * w + x) * c + k]).toBe(img[(y * w + (w - 1 - x)) * c + k]);
  });

  it('shifts by whole pixels exactly, clamping at the edge', () => {
    const out = augmentPixels(img, h, w, c, { flip: false, angle: 0, scale: 1, dx: 2 / w, dy: 0, brightness: 0, contrast: 1 });
    for (let y = 0; y < h; y++) {
      expect(out[(y * w + 5) * c]).toBe(img[(y * w + 3) * c]);
      expect(out[(y * w + 0) * c]).toBe(img[(y * w + 0) * c]);
    }
  });

  it('draws the same transform for the same seed, epoch and example, and another for another', () => {
    const cfg = defaultAugmentConfig();
    const a = augmentPixels(img, h, w, c, sampleAugmentParams(cfg, seededRandom('augment', 7, 0, 'x.jpg')));
    const b = augmentPixels(img, h, w, c, sampleAugmentParams(cfg, seededRandom('augment', 7, 0, 'x.jpg')));
    const other = augmentPixels(img, h, w, c, sampleAugmentParams(cfg, seededRandom('augment', 7, 1, 'x.jpg')));
    expect(a).toEqual(b);
    expect(other).not.toEqual(a);
  });

  it('keeps a turned-off augmentation off and others unchanged when one is toggled', () => {
    const p1 = sampleAugmentParams({ ...noAugmentConfig(), rotationDeg: 20 }, seededRandom(3));
    const p2 = sampleAugmentParams({ ...noAugmentConfig(), rotationDeg: 20, brightness: 0.5 }, seededRandom(3));
    expect(p1.angle).toBe(p2.angle);
    expect(p1.brightness).toBe(0);
    expect(p1.scale).toBe(1);
  });

  it('moves brightness and contrast the right way and stays in 0..255', () => {
    const brighter = augmentPixels(img, h, w, c, { flip: false, angle: 0, scale: 1, dx: 0, dy: 0, brightness: 0.2, contrast: 1 });
    const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(brighter)).toBeGreaterThan(mean(img) + 30);
    const flat = augmentPixels(img, h, w, c, { flip: false, angle: 0, scale: 1, dx: 0, dy: 0, brightness: 0, contrast: 0.5 });
    const spread = (a: Uint8Array) => Math.max(...a) - Math.min(...a);
    expect(spread(flat)).toBeLessThan(spread(img) * 0.6);
    const extreme = augmentPixels(img, h, w, c, { flip: false, angle: 0.3, scale: 1.5, dx: 0.1, dy: -0.1, brightness: 1, contrast: 3 });
    expect(Math.max(...extreme)).toBeLessThanOrEqual(255);
    expect(extreme.length).toBe(img.length);
  });
});
