// The activation cache is trusted only through its checksums: changed values (scaled, or with
// flipped exponent bits), folders or files in the wrong place are discarded and recomputed, and
// `tl cache verify|clear` check and empty it. A base that outputs NaN stops the pass at once.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTf } from '../../src/native/load';
import type { Batch, InputSpec } from '../../src/data/types';
import { computeActivations, type ActivationKey } from '../../src/train';
import { verifyActivationCache, clearActivationCache } from '../../src/train/cache-admin';
import { NonFiniteError, UsageError } from '../../src/errors';
import { buildBase } from './fixtures';

const tf = loadTf();
const SIDE = 8;
const input: InputSpec = { height: SIDE, width: SIDE, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'fill' };
const key: ActivationKey = { base: 'integrity-base@1', cutLayer: 'ci_gap', input };
// Hex content hashes, one per example, as the data room gives them.
const examples = Array.from({ length: 6 }, (_, i) => ({ id: `img${i}`, hash: `${i.toString(16)}${'f'.repeat(31)}` }));

function pixels(ex: { id: string }[]): Float32Array {
  const x = new Float32Array(ex.length * SIDE * SIDE * 3);
  ex.forEach((e, i) => {
    const k = Number(e.id.slice(3));
    for (let p = 0; p < SIDE * SIDE * 3; p++) x[i * SIDE * SIDE * 3 + p] = ((p * 7 + k * 31) % 256) / 255;
  });
  return x;
}

const source = async function* (missing: typeof examples): AsyncIterable<Batch> {
  yield { x: pixels(missing), shape: [missing.length, SIDE, SIDE, 3], y: new Int32Array(missing.length), ids: missing.map((e) => e.id), hashes: missing.map((e) => e.hash) };
};

describe('activation cache integrity', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cache-integrity-'));
  const cacheDir = path.join(root, 'activations');
  const base = buildBase(tf, 7, 'ci_');
  let reference: Float32Array;
  let keyDir: string;
  const entryOf = (hash: string) => path.join(keyDir, hash.slice(0, 2), `${hash}.f32`);

  beforeAll(async () => {
    const first = await computeActivations(base, examples, source, key, { cacheDir });
    expect(first.computed).toBe(6);
    reference = first.features;
    keyDir = first.dir!;
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  async function rerun() {
    const warnings: string[] = [];
    const r = await computeActivations(base, examples, source, key, { cacheDir, onWarning: (m) => warnings.push(m) });
    return { r, warnings };
  }

  test('an untouched cache is read back whole, with no warning', async () => {
    const { r, warnings } = await rerun();
    expect(r.fromCache).toBe(6);
    expect(warnings).toEqual([]);
    expect(Array.from(r.features)).toEqual(Array.from(reference));
  });

  test('scaled values of the same size are caught by the checksum and recomputed', async () => {
    const file = entryOf(examples[2].hash);
    const buf = fs.readFileSync(file);
    const row = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length - 16));
    for (let i = 0; i < row.length; i++) row[i] *= 0.5;
    fs.writeFileSync(file, Buffer.concat([Buffer.from(row.buffer), buf.subarray(buf.length - 16)]));
    const { r, warnings } = await rerun();
    expect(r.fromCache).toBe(5);
    expect(r.computed).toBe(1);
    expect(warnings.join()).toMatch(/1 damaged activation cache entry was discarded.*checksum does not match/);
    expect(Array.from(r.features)).toEqual(Array.from(reference));
  });

  test('flipped exponent bits are caught too, and a later run reads the rewritten entry', async () => {
    const file = entryOf(examples[4].hash);
    const buf = fs.readFileSync(file);
    buf[3] ^= 0x7f; // the high byte of the first float: sign and exponent
    fs.writeFileSync(file, buf);
    const { r, warnings } = await rerun();
    expect(r.computed).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(Array.from(r.features)).toEqual(Array.from(reference));
    expect((await rerun()).r.fromCache).toBe(6);
  });

  test('a folder where an entry belongs, and a file where a shard folder belongs, are replaced', async () => {
    const entry = entryOf(examples[0].hash);
    fs.rmSync(entry);
    fs.mkdirSync(path.join(entry, 'inside'), { recursive: true });
    const shard = path.dirname(entryOf(examples[1].hash));
    fs.rmSync(shard, { recursive: true });
    fs.writeFileSync(shard, 'not a folder');
    const { r, warnings } = await rerun();
    expect(r.computed).toBe(2);
    expect(warnings.join()).toMatch(/folder stands where the entry file should be/);
    expect(Array.from(r.features)).toEqual(Array.from(reference));
    expect(fs.statSync(entry).isFile()).toBe(true);
  });

  test('a file where the key folder belongs is replaced; a cache folder that is a file is refused by name', async () => {
    fs.rmSync(keyDir, { recursive: true });
    fs.writeFileSync(keyDir, 'x');
    const { r, warnings } = await rerun();
    expect(r.computed).toBe(6);
    expect(warnings.join()).toMatch(/had a file where the folder/);

    const fileArea = path.join(root, 'area-as-file');
    fs.writeFileSync(fileArea, 'x');
    const err = await computeActivations(base, examples, source, key, { cacheDir: fileArea }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(fileArea);
    expect(err.hint).toContain('tl cache clear');
  });

  test('verify counts good entries and removes damaged ones; clear empties the cache', async () => {
    await rerun();
    const victim = entryOf(examples[3].hash);
    const buf = fs.readFileSync(victim);
    buf[0] ^= 1;
    fs.writeFileSync(victim, buf);
    const check = verifyActivationCache(cacheDir);
    expect(check.keys).toBe(1);
    expect(check.good).toBe(5);
    expect(check.damaged).toEqual([{ path: victim, reason: expect.stringMatching(/checksum/) }]);
    expect(fs.existsSync(victim)).toBe(false);
    expect(verifyActivationCache(cacheDir).damaged).toEqual([]);
    const cleared = clearActivationCache(cacheDir);
    expect(cleared.bytes).toBeGreaterThan(5 * 16);
    expect(fs.existsSync(cacheDir)).toBe(false);
  });

  test('a base whose output is NaN stops the pass with NonFiniteError naming the image', async () => {
    const nanBase = buildBase(tf, 8, 'cn_');
    const w = nanBase.layers.find((l) => l.getWeights().length > 0)!;
    w.setWeights(w.getWeights().map((t) => tf.fill(t.shape, NaN)));
    const err = await computeActivations(nanBase, examples, source, key, { useCache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(err.message).toMatch(/NaN .* for img0/);
    expect(err.exitCode).toBe(4);
  });
});
