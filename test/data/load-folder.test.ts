// loadDataset on real image folders drawn by sharp: class folders, bad files of every kind,
// duplicates, pre-split trees, stability when images are added, and the refusals (exit code 3).
import * as fs from 'fs';
import * as path from 'path';
import { examplesOf, loadDataset } from '../../src/data';
import { DataError, ExitCode, UsageError } from '../../src/errors';
import { removeDir, tempDir, writeImage, writePngBomb, writeText, writeTruncatedJpeg } from '../helpers/images';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
function newDir(name: string): string {
  const d = tempDir(name);
  dirs.push(d);
  return d;
}

describe('a folder of class folders with bad files', () => {
  let root: string;
  beforeAll(async () => {
    root = newDir('classes');
    for (let i = 0; i < 6; i++) await writeImage(path.join(root, 'cat', `c${i}.jpg`), { seed: i });
    await writeImage(path.join(root, 'cat', 'nested', 'deep.PNG'), { seed: 50 });
    fs.copyFileSync(path.join(root, 'cat', 'c0.jpg'), path.join(root, 'cat', 'c0 copy.jpg')); // same class duplicate
    for (let i = 0; i < 6; i++) await writeImage(path.join(root, 'dog', `d${i}.png`), { seed: 100 + i, format: 'png' });
    fs.copyFileSync(path.join(root, 'cat', 'c1.jpg'), path.join(root, 'dog', 'looks-like-a-cat.jpg')); // cross-class duplicate
    writeText(path.join(root, 'cat', '.DS_Store'), 'junk');
    writeText(path.join(root, 'cat', 'notes.txt'), 'not an image');
    writeText(path.join(root, 'README.md'), 'top-level file');
    fs.mkdirSync(path.join(root, '.hidden-dir'));
    writeText(path.join(root, 'dog', 'empty.jpg'), '');
    writeText(path.join(root, 'dog', 'fake.png'), 'this is text pretending to be a PNG');
    await writeTruncatedJpeg(path.join(root, 'dog', 'half.jpg'), 7);
    writePngBomb(path.join(root, 'cat', 'bomb.png'));
  });

  it('labels by folder, skips bad files with reasons, counts ignored files', async () => {
    const ds = await loadDataset(root);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.root).toBe(root);
    const reasons = Object.fromEntries(ds.skipped.map((s) => [path.basename(s.id), s.reason]));
    expect(reasons['empty.jpg']).toMatch(/empty file/);
    expect(reasons['fake.png']).toMatch(/not an image/);
    expect(reasons['bomb.png']).toMatch(/too large: 50000x50000/);
    expect(Object.keys(reasons).sort()).toEqual(['bomb.png', 'empty.jpg', 'fake.png']); // half.jpg passes a header check
    // .DS_Store, notes.txt, README.md, .hidden-dir
    expect(ds.ignoredCount).toBe(4);
    for (const e of ds.examples) {
      expect(path.isAbsolute(e.id)).toBe(true);
      expect(e.source).toEqual({ kind: 'file', path: e.id });
      expect(e.hash).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('finds truncated files with a full decode check', async () => {
    const ds = await loadDataset(root, { check: 'decode' });
    const half = ds.skipped.find((s) => path.basename(s.id) === 'half.jpg');
    expect(half?.reason).toMatch(/truncated or damaged/);
  });

  it('collapses duplicates within a class and flags copies across classes, in one split', async () => {
    const ds = await loadDataset(root);
    const ids = ds.examples.map((e) => path.relative(root, e.id));
    expect(ids).toContain(path.join('cat', 'c0 copy.jpg')); // "c0 copy.jpg" sorts before "c0.jpg"
    expect(ids).not.toContain(path.join('cat', 'c0.jpg'));
    const within = ds.duplicates.find((d) => !d.crossClass)!;
    expect(within.ids.map((i) => path.basename(i))).toEqual(['c0 copy.jpg', 'c0.jpg']);
    expect(within.kept.map((i) => path.basename(i))).toEqual(['c0 copy.jpg']);
    const across = ds.duplicates.find((d) => d.crossClass)!;
    expect(across.labels.sort()).toEqual(['cat', 'dog']);
    expect(across.kept).toHaveLength(2);
    const splits = ds.examples.filter((e) => e.hash === across.hash).map((e) => e.split);
    expect(new Set(splits).size).toBe(1);
    // 6 cats + nested one (c0 and its copy count once), 6 dogs + the cat look-alike (+ half.jpg until decoded)
    expect(ds.examples.filter((e) => e.label === 0)).toHaveLength(7);
    expect(ds.examples.filter((e) => e.label === 1)).toHaveLength(8);
  });

  it('gives every class a training image and honours --limit-per-class on training images only', async () => {
    const full = await loadDataset(root, { valSplit: 0.3, testSplit: 0.3 });
    for (const label of [0, 1]) expect(full.examples.some((e) => e.label === label && e.split === 'train')).toBe(true);
    const few = await loadDataset(root, { valSplit: 0.3, testSplit: 0.3, limitPerClass: 1 });
    for (const label of [0, 1]) expect(few.examples.filter((e) => e.label === label && e.split === 'train')).toHaveLength(1);
    expect(examplesOf(few, 'test')).toEqual(examplesOf(full, 'test'));
    expect(examplesOf(few, 'val')).toEqual(examplesOf(full, 'val'));
    expect(few.splitConfig).toMatchObject({ valSplit: 0.3, testSplit: 0.3, seed: 42, limitPerClass: 1, presplit: false });
    expect(few.droppedByLimit).toBe(examplesOf(full, 'train').length - 2);
  });
});

describe('split stability', () => {
  it('never moves an existing image when images are added, and tracks the requested fractions', async () => {
    const root = newDir('grow');
    for (let i = 0; i < 40; i++) await writeImage(path.join(root, i % 2 ? 'a' : 'b', `${i}.png`), { seed: i, w: 8, h: 8 });
    const before = await loadDataset(root);
    for (let i = 40; i < 120; i++) await writeImage(path.join(root, i % 3 === 0 ? 'c' : i % 2 ? 'a' : 'b', `${i}.png`), { seed: i, w: 8, h: 8 });
    const after = await loadDataset(root);
    expect(after.classes).toEqual(['a', 'b', 'c']);
    const splitAfter = new Map(after.examples.map((e) => [e.id, e.split]));
    for (const e of before.examples) expect(splitAfter.get(e.id)).toBe(e.split);
    const held = after.examples.filter((e) => e.split !== 'train').length / after.examples.length;
    expect(held).toBeGreaterThan(0.05);
    expect(held).toBeLessThan(0.4);
  });
});

describe('a pre-split tree', () => {
  it('honours train/val|validation/test folders and drops held-out copies of training images', async () => {
    const root = newDir('presplit');
    for (let i = 0; i < 3; i++) {
      await writeImage(path.join(root, 'train', 'cat', `t${i}.jpg`), { seed: i });
      await writeImage(path.join(root, 'train', 'dog', `t${i}.jpg`), { seed: 10 + i });
    }
    await writeImage(path.join(root, 'validation', 'cat', 'v.jpg'), { seed: 20 });
    await writeImage(path.join(root, 'test', 'dog', 'x.jpg'), { seed: 30 });
    fs.mkdirSync(path.join(root, 'test', 'cat'));
    fs.copyFileSync(path.join(root, 'train', 'cat', 't0.jpg'), path.join(root, 'test', 'cat', 'leak.jpg'));
    const ds = await loadDataset(root, { valSplit: 0.5 });
    expect(ds.splitConfig.presplit).toBe(true);
    expect(ds.classes).toEqual(['cat', 'dog']);
    const byName = Object.fromEntries(ds.examples.map((e) => [path.relative(root, e.id), e.split]));
    expect(byName[path.join('validation', 'cat', 'v.jpg')]).toBe('val');
    expect(byName[path.join('test', 'dog', 'x.jpg')]).toBe('test');
    expect(byName[path.join('train', 'dog', 't2.jpg')]).toBe('train');
    expect(byName[path.join('test', 'cat', 'leak.jpg')]).toBeUndefined();
    expect(ds.duplicates).toHaveLength(1);
  });

  it('refuses a class that has no training images', async () => {
    const root = newDir('presplit-bad');
    await writeImage(path.join(root, 'train', 'cat', 'a.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'train', 'dog', 'a.jpg'), { seed: 2 });
    await writeImage(path.join(root, 'test', 'bird', 'a.jpg'), { seed: 3 });
    await expect(loadDataset(root)).rejects.toThrow(/no training images for "bird"/);
  });

  it('refuses split folders mixed with class folders', async () => {
    const root = newDir('mixed');
    await writeImage(path.join(root, 'train', 'cat', 'a.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'dog', 'a.jpg'), { seed: 2 });
    await expect(loadDataset(root)).rejects.toThrow(/mixes split folders/);
  });
});

describe('unusable data is refused with DataError (exit code 3) before any training', () => {
  async function dataError(spec: string, re: RegExp): Promise<void> {
    const err = await loadDataset(spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).exitCode).toBe(ExitCode.data);
    expect((err as DataError).message).toMatch(re);
    expect((err as DataError).hint).toBeTruthy();
  }

  it('a missing path', async () => {
    await dataError(path.join(newDir('missing'), 'nope'), /no such file or folder/);
  });

  it('an empty folder, and one with only non-images', async () => {
    const root = newDir('empty');
    await dataError(root, /no classes found/);
    writeText(path.join(root, 'a', 'x.txt'), 'x');
    writeText(path.join(root, 'b', 'y.txt'), 'y');
    await dataError(root, /no usable images/);
  });

  it('one class only', async () => {
    const root = newDir('one');
    await writeImage(path.join(root, 'cat', 'a.jpg'), { seed: 1 });
    await dataError(root, /only one class \("cat"\)/);
  });

  it('a class whose every file is broken, naming the class and a reason', async () => {
    const root = newDir('broken-class');
    await writeImage(path.join(root, 'cat', 'a.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'dog', 'a.jpg'), { seed: 2 });
    writeText(path.join(root, 'bird', 'b.jpg'), '');
    await dataError(root, /class without a usable image: "bird" \(1 unreadable, e\.g\. .*b\.jpg: empty file/);
  });

  it('a file that is not a manifest', async () => {
    const root = newDir('notmanifest');
    const f = await writeImage(path.join(root, 'a.jpg'), { seed: 1 });
    await dataError(f, /is a file but not a manifest/);
  });

  it('bad split options are UsageErrors naming the flag', async () => {
    await expect(loadDataset('mnist', { valSplit: 0.6, testSplit: 0.5 })).rejects.toThrow(UsageError);
    await expect(loadDataset('mnist', { limitPerClass: 0 })).rejects.toThrow(/--limit-per-class/);
  });
});
