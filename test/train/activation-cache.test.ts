// Activation caches on real PNG files decoded by sharp: first run computes, second run reads,
// any key change (cut layer, preprocessing, base weights) recomputes; torn files never count.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTf } from '../../src/native/load';
import type { Batch, InputSpec } from '../../src/data/types';
import { splitAt } from '../../src/models';
import { computeActivations, type ActivationKey } from '../../src/train';
import { InterruptedError } from '../../src/errors';
import { buildBase, predictRows } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const sharp = require('sharp') as (input?: Buffer | string, opts?: object) => {
  png(): { toBuffer(): Promise<Buffer> };
  removeAlpha(): { raw(): { toBuffer(): Promise<Buffer> } };
};

const tf = loadTf();
const SIDE = 8;

interface Ex {
  id: string;
  hash: string;
}

describe('computeActivations', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-train-actcache-'));
  const imgDir = path.join(root, 'images');
  const cacheDir = path.join(root, 'cache');
  const base = buildBase(tf, 5, 'ac_');
  const input: InputSpec = { height: SIDE, width: SIDE, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'fill' };
  const key: ActivationKey = { base: 'test-base@1', cutLayer: 'ac_gap', input };
  let examples: Ex[] = [];
  let decoded = 0;

  /** What the data room's batches() does, minimally: decode with sharp, scale, batch by 4. */
  const batchSource =
    (skip: Set<string> = new Set()) =>
    async function* (missing: Ex[]): AsyncIterable<Batch> {
      for (let s = 0; s < missing.length; s += 4) {
        const part = missing.slice(s, s + 4).filter((e) => !skip.has(e.id));
        if (part.length === 0) continue;
        const x = new Float32Array(part.length * SIDE * SIDE * 3);
        for (let i = 0; i < part.length; i++) {
          const raw = await sharp(part[i].id).removeAlpha().raw().toBuffer();
          decoded++;
          for (let p = 0; p < raw.length; p++) x[i * raw.length + p] = raw[p] / 255;
        }
        yield { x, shape: [part.length, SIDE, SIDE, 3], y: new Int32Array(part.length), ids: part.map((e) => e.id), hashes: part.map((e) => e.hash) };
      }
    };

  beforeAll(async () => {
    fs.mkdirSync(imgDir, { recursive: true });
    for (let i = 0; i < 9; i++) {
      const raw = Buffer.alloc(SIDE * SIDE * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = (p * 7 + i * 31) % 256;
      const png = await sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer();
      fs.writeFileSync(path.join(imgDir, `img${i}.png`), png);
    }
    // Same content under another name: one cache entry serves both.
    fs.copyFileSync(path.join(imgDir, 'img3.png'), path.join(imgDir, 'copy-of-3.png'));
    examples = fs
      .readdirSync(imgDir)
      .sort()
      .map((f) => {
        const file = path.join(imgDir, f);
        return { id: file, hash: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') };
      });
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (k: ActivationKey = key, model = base, src = batchSource()) => {
    decoded = 0;
    return computeActivations(model, examples, src, k, { cacheDir });
  };

  test('progress counts examples, a duplicate with its original, and ends at the total', async () => {
    const events: { done: number; total: number; fromCache: number }[] = [];
    const fresh = fs.mkdtempSync(path.join(root, 'progress-'));
    await computeActivations(base, examples, batchSource(), key, { cacheDir: fresh, onProgress: (e) => events.push(e) });
    // 9 distinct images in batches of 4, sorted by name: copy-of-3 comes first and counts for
    // img3 as well (one row serves both), so 5, then 9, then 10.
    expect(events.map((e) => e.done)).toEqual([0, 5, 9, 10]);
    expect(events.every((e) => e.total === 10 && e.fromCache === 0)).toBe(true);
    const again: typeof events = [];
    await computeActivations(base, examples, batchSource(), key, { cacheDir: fresh, onProgress: (e) => again.push(e) });
    expect(again).toEqual([{ done: 10, total: 10, fromCache: 10 }]);
  });

  test('first run computes, second run reads everything from disk, bit for bit', async () => {
    expect(tf.getBackend()).toBe('tensorflow');
    const first = await run();
    expect({ computed: first.computed, fromCache: first.fromCache, decoded }).toEqual({ computed: 10, fromCache: 0, decoded: 9 });
    expect(first.shape).toEqual([10, 6]);
    // Same numbers as running the base directly on the decoded pixels.
    const pixels = new Float32Array(10 * SIDE * SIDE * 3);
    for (let i = 0; i < 10; i++) {
      const raw = await sharp(examples[i].id).removeAlpha().raw().toBuffer();
      for (let p = 0; p < raw.length; p++) pixels[i * raw.length + p] = raw[p] / 255;
    }
    const direct = predictRows(base, pixels, [10, SIDE, SIDE, 3]);
    expect(Math.max(...direct.data.map((v, i) => Math.abs(v - first.features[i])))).toBeLessThan(1e-5);

    const second = await run();
    expect({ computed: second.computed, fromCache: second.fromCache, decoded }).toEqual({ computed: 0, fromCache: 10, decoded: 0 });
    expect(Buffer.from(second.features.buffer).equals(Buffer.from(first.features.buffer))).toBe(true);
    expect(second.kept.map((e) => e.id)).toEqual(examples.map((e) => e.id));
  });

  test('a change of cut layer, preprocessing, base identity or base weights misses the cache', async () => {
    await run();
    const split = splitAt(base, 'ac_conv_b');
    const atCut = await run({ ...key, cutLayer: 'ac_conv_b' }, split.lower!);
    expect(atCut.computed).toBe(10);
    expect(atCut.shape).toEqual([10, SIDE, SIDE, 4]);
    expect((await run({ ...key, input: { ...input, preprocessing: { kind: 'scaleMinus1To1' } } })).computed).toBe(10);
    expect((await run({ ...key, base: 'test-base@2' })).computed).toBe(10);
    // Same key, different weights: the fingerprint catches a base retrained in place.
    const other = buildBase(tf, 6, 'ac2_');
    expect((await run(key, other)).computed).toBe(10);
    expect((await run()).fromCache).toBe(10);
  });

  test('a torn or foreign-sized entry is recomputed, the rest still read', async () => {
    const first = await run();
    // img0's content is unique (img3's is shared with its copy, which would make two misses).
    const victim = examples.find((e) => e.id.endsWith('img0.png'))!;
    const file = path.join(first.dir!, victim.hash.slice(0, 2), `${victim.hash}.f32`);
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 10));
    const again = await run();
    expect({ computed: again.computed, fromCache: again.fromCache }).toEqual({ computed: 1, fromCache: 9 });
    expect(Buffer.from(again.features.buffer).equals(Buffer.from(first.features.buffer))).toBe(true);
  });

  test('images the source cannot deliver are reported as missing, the rest kept in order', async () => {
    const fresh = { ...key, base: 'test-base@skip' };
    const r = await run(fresh, base, batchSource(new Set([examples[1].id])));
    expect(r.missing.map((e) => e.id)).toEqual([examples[1].id]);
    expect(r.kept.map((e) => e.id)).toEqual(examples.filter((_, i) => i !== 1).map((e) => e.id));
    expect(r.shape).toEqual([9, 6]);
  });

  test('two runs filling the same fresh cache at once agree and leave no temporary files', async () => {
    const fresh = { ...key, base: 'test-base@concurrent' };
    const [a, b] = await Promise.all([run(fresh), run(fresh)]);
    expect(Buffer.from(a.features.buffer).equals(Buffer.from(b.features.buffer))).toBe(true);
    const files: string[] = [];
    const walk = (d: string) =>
      fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(e.name)));
    walk(a.dir!);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.f32')).length).toBe(9);
    expect(files).toContain('key.json');
  });

  test('a stop asked for between batches ends the pass; the rows computed before it are cached', async () => {
    const fresh = { ...key, base: 'test-base@stopped' };
    decoded = 0;
    let batchesDone = 0;
    const stopped = computeActivations(base, examples, batchSource(), fresh, {
      cacheDir,
      onProgress: () => batchesDone++,
      shouldStop: () => batchesDone >= 3, // the cache-read report, then two batches of 4
    });
    await expect(stopped).rejects.toBeInstanceOf(InterruptedError);
    await expect(stopped).rejects.toThrow(/ac_gap: 9 of 10 done, and cached/); // img3 and its copy share one row
    expect(decoded).toBe(8);
    const rest = await run(fresh);
    expect({ computed: rest.computed, fromCache: rest.fromCache, decoded }).toEqual({ computed: 1, fromCache: 9, decoded: 1 });
  });

  test('useCache false computes everything and writes nothing', async () => {
    const before = fs.readdirSync(cacheDir).length;
    const r = await computeActivations(base, examples, batchSource(), { ...key, base: 'no-cache' }, { cacheDir, useCache: false });
    expect({ computed: r.computed, fromCache: r.fromCache, dir: r.dir }).toEqual({ computed: 10, fromCache: 0, dir: null });
    expect(fs.readdirSync(cacheDir).length).toBe(before);
  });
});
