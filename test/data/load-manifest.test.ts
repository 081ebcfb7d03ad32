// loadDataset on CSV and JSONL manifests with awkward paths, a split column, and the refusals.
import * as fs from 'fs';
import * as path from 'path';
import { loadDataset } from '../../src/data';
import { DataError } from '../../src/errors';
import { removeDir, tempDir, writeImage, writeText } from '../helpers/images';

let root: string;
beforeAll(async () => {
  root = tempDir('manifest');
  await writeImage(path.join(root, 'img', 'a, comma.jpg'), { seed: 1 });
  await writeImage(path.join(root, 'img', 'quote "q".png'), { seed: 2, format: 'png' });
  await writeImage(path.join(root, 'img', 'sub dir', 'é ü.webp'), { seed: 3, format: 'webp' });
  await writeImage(path.join(root, 'img', 'new\nline.jpg'), { seed: 4 });
  await writeImage(path.join(root, 'img', 'plain.gif'), { seed: 5, format: 'gif' });
  await writeImage(path.join(root, 'img', 'tiff.TIF'), { seed: 6, format: 'tiff' });
});
afterAll(() => removeDir(root));

const csvRows = [
  'path,label',
  '"img/a, comma.jpg",cat',
  '"img/quote ""q"".png",dog',
  '"img/sub dir/é ü.webp",cat',
  '"img/new',
  'line.jpg",dog',
  'img/plain.gif,cat',
  './img/tiff.TIF,dog',
  'img/plain.gif,cat',
];

it('reads a CSV with quoted commas, quotes, newlines and unicode, relative to the manifest', async () => {
  const m = writeText(path.join(root, 'labels.csv'), csvRows.join('\n') + '\n');
  const ds = await loadDataset(m);
  expect(ds.classes).toEqual(['cat', 'dog']);
  expect(ds.root).toBe(root);
  expect(ds.examples).toHaveLength(6);
  expect(ds.ignoredCount).toBe(1); // the repeated plain.gif row
  const byName = Object.fromEntries(ds.examples.map((e) => [path.basename(e.id), ds.classes[e.label]]));
  expect(byName).toEqual({ 'a, comma.jpg': 'cat', 'quote "q".png': 'dog', 'é ü.webp': 'cat', 'new\nline.jpg': 'dog', 'plain.gif': 'cat', 'tiff.TIF': 'dog' });
  expect(ds.splitConfig.presplit).toBe(false);
});

it('honours a JSONL split column', async () => {
  const lines = [
    { path: 'img/a, comma.jpg', label: 'cat', split: 'train' },
    { path: 'img/quote "q".png', label: 'dog', split: 'train' },
    { path: 'img/sub dir/é ü.webp', label: 'cat', split: 'test' },
    { path: 'img/plain.gif', label: 'dog', split: 'val' },
  ];
  const m = writeText(path.join(root, 'labels.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
  const ds = await loadDataset(m);
  expect(ds.splitConfig.presplit).toBe(true);
  expect(Object.fromEntries(ds.examples.map((e) => [path.basename(e.id), e.split]))).toEqual({
    'a, comma.jpg': 'train',
    'quote "q".png': 'train',
    'é ü.webp': 'test',
    'plain.gif': 'val',
  });
});

it('refuses rows outside the folder, missing files, and one path with two labels', async () => {
  const outside = writeText(path.join(root, 'out.csv'), 'path,label\nimg/plain.gif,cat\n../elsewhere.jpg,dog\n');
  await expect(loadDataset(outside)).rejects.toThrow(/out\.csv:3: \.\.\/elsewhere\.jpg points outside the manifest's folder/);
  const missing = writeText(path.join(root, 'missing.csv'), 'path,label\nimg/plain.gif,cat\nimg/nope.jpg,dog\n');
  await expect(loadDataset(missing)).rejects.toThrow(/a row does not point to an image file \(line 3: img\/nope\.jpg\)/);
  const twice = writeText(path.join(root, 'twice.csv'), 'path,label\nimg/plain.gif,cat\nimg/plain.gif,dog\n');
  await expect(loadDataset(twice)).rejects.toThrow(DataError);
  const empty = writeText(path.join(root, 'empty.csv'), 'path,label\n');
  await expect(loadDataset(empty)).rejects.toThrow(/no rows/);
  expect(fs.existsSync(path.join(root, 'img', 'plain.gif'))).toBe(true);
});
