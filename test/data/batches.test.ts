// The batch pipeline on real files: shapes, labels, preprocessing, skipped files, per-epoch
// shuffles, seeded augmentation, a bounded read-ahead, and files changed after loading.
import * as fs from 'fs';
import * as path from 'path';
import { batches, Batch, Dataset, defaultAugmentConfig, InputSpec, loadDataset } from '../../src/data';
import { removeDir, tempDir, writeImage, writeSolid, writeTruncatedJpeg } from '../helpers/images';

let root: string;
let ds: Dataset;
const input: InputSpec = { height: 16, width: 16, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'fill' };

beforeAll(async () => {
  root = tempDir('batches');
  for (let i = 0; i < 9; i++) await writeSolid(path.join(root, 'red', `r${i}.png`), 20 + i, 20, [255, 0, i]);
  for (let i = 0; i < 9; i++) await writeSolid(path.join(root, 'blue', `b${i}.png`), 20 + i, 20, [0, 0, 255 - i]);
  await writeTruncatedJpeg(path.join(root, 'blue', 'zz-broken.jpg'), 3);
  ds = await loadDataset(root);
});
afterAll(() => removeDir(root));

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

it('yields every readable example once, with labels, ids, hashes and preprocessed pixels', async () => {
  const skips: string[] = [];
  const stream = batches(ds.examples, input, { batchSize: 4, onSkip: (s) => skips.push(`${path.basename(s.id)}: ${s.reason}`) });
  const got = await collect(stream);
  const n = got.reduce((s, b) => s + b.shape[0], 0);
  expect(n).toBe(ds.examples.length - 1);
  expect(skips).toEqual([expect.stringMatching(/^zz-broken\.jpg: truncated or damaged/)]);
  for (const b of got) {
    expect(b.shape.slice(1)).toEqual([16, 16, 3]);
    expect(b.x.length).toBe(b.shape[0] * 16 * 16 * 3);
    expect(b.y.length).toBe(b.shape[0]);
    expect(b.ids.length).toBe(b.shape[0]);
    for (let i = 0; i < b.shape[0]; i++) {
      const ex = ds.examples.find((e) => e.id === b.ids[i])!;
      expect(b.y[i]).toBe(ex.label);
      expect(b.hashes[i]).toBe(ex.hash);
      const first = Array.from(b.x.subarray(i * 768, i * 768 + 3));
      if (ds.classes[ex.label] === 'red') {
        expect(first[0]).toBeCloseTo(1, 5);
        expect(first[1]).toBeCloseTo(0, 5);
      } else {
        expect(first[0]).toBeCloseTo(0, 5);
        expect(first[2]).toBeGreaterThan(0.9);
      }
    }
  }
  // The next epoch leaves the broken file out without reporting it again.
  const again = await collect(stream);
  expect(again.reduce((s, b) => s + b.shape[0], 0)).toBe(n);
  expect(skips).toHaveLength(1);
});

it('applies the model preprocessing (-1..1 and mean/std)', async () => {
  const red = ds.examples.filter((e) => ds.classes[e.label] === 'red').slice(0, 1);
  const [b] = await collect(batches(red, { ...input, preprocessing: { kind: 'scaleMinus1To1' } }, { batchSize: 1 }));
  expect(Array.from(b.x.subarray(0, 2))).toEqual([1, -1]);
  const [m] = await collect(batches(red, { ...input, preprocessing: { kind: 'meanStd', mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] } }, { batchSize: 1 }));
  expect(m.x[0]).toBeCloseTo(2, 5);
  expect(m.x[1]).toBeCloseTo(-1, 5);
});

it('shuffles each epoch in its own seeded order, the same for the same seed', async () => {
  const good = ds.examples.filter((e) => !e.id.endsWith('zz-broken.jpg'));
  const order = async (it: AsyncIterable<Batch>) => (await collect(it)).flatMap((b) => b.ids);
  const a = batches(good, input, { batchSize: 5, shuffleSeed: 1 });
  const b = batches(good, input, { batchSize: 5, shuffleSeed: 1 });
  const a0 = await order(a);
  const a1 = await order(a);
  expect(await order(b)).toEqual(a0);
  expect(await order(b)).toEqual(a1);
  expect(a1).not.toEqual(a0);
  expect([...a1].sort()).toEqual([...a0].sort());
  expect(await order(batches(good, input, { batchSize: 5, shuffleSeed: 1, epoch: 1 }))).toEqual(a1);
  expect(await order(batches(good, input, { batchSize: 5 }))).toEqual(good.map((e) => e.id));
});

it('augments deterministically for a fixed seed, differently per epoch', async () => {
  const textured = tempDir('aug');
  try {
    for (let i = 0; i < 3; i++) await writeImage(path.join(textured, i % 2 ? 'a' : 'b', `${i}.png`), { seed: i, w: 30, h: 30 });
    const small = await loadDataset(textured);
    const aug = { ...defaultAugmentConfig(), seed: 5 };
    const run = () => batches(small.examples, input, { batchSize: 8, augment: aug });
    const s1 = run();
    const e0 = (await collect(s1))[0].x;
    const e1 = (await collect(s1))[0].x;
    const again = (await collect(run()))[0].x;
    const plain = (await collect(batches(small.examples, input, { batchSize: 8 })))[0].x;
    expect(Array.from(again)).toEqual(Array.from(e0));
    expect(Array.from(e1)).not.toEqual(Array.from(e0));
    expect(Array.from(e0)).not.toEqual(Array.from(plain));
  } finally {
    removeDir(textured);
  }
});

it('reads ahead at most (prefetch + 1) batches while the consumer waits', async () => {
  const good = ds.examples.filter((e) => !e.id.endsWith('zz-broken.jpg'));
  const spy = jest.spyOn(fs.promises, 'open'); // each image read opens its file once (data/read-file.ts)
  try {
    const it = batches(good, input, { batchSize: 2, prefetch: 1, concurrency: 2 })[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 300)); // let any runaway read-ahead happen
    const reads = spy.mock.calls.length;
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(2 * 2 + 2); // the batch taken, one prefetched, one started after the take
    await it.return?.();
  } finally {
    spy.mockRestore();
  }
});

it('skips a file whose content changed after loading', async () => {
  const dir = tempDir('changed');
  try {
    await writeImage(path.join(dir, 'a', '1.png'), { seed: 1 });
    await writeImage(path.join(dir, 'b', '2.png'), { seed: 2 });
    const small = await loadDataset(dir);
    await writeImage(path.join(dir, 'a', '1.png'), { seed: 99 });
    const skipped: string[] = [];
    const got = await collect(batches(small.examples, input, { batchSize: 2, onSkip: (s) => skipped.push(s.reason) }));
    expect(got[0].shape[0]).toBe(1);
    expect(skipped).toEqual([expect.stringMatching(/changed since the data set was loaded/)]);
  } finally {
    removeDir(dir);
  }
});
