// The built-in sets load offline from their npm packages' JSON files, de-duplicated, with real
// class names, and decode as a plain copy at 28x28x1. Also the pixel-file reader on its own.
import * as fs from 'fs';
import { batches, examplesOf, FASHION_MNIST_CLASSES, loadDataset } from '../../src/data';
import { builtinDataFile, builtinRow, loadBuiltinClass, parsePixelJson } from '../../src/data/builtin';
import { decodeExample } from '../../src/data/decode';
import { defaultDecodeConfig } from '../../src/data/decode-config';
import { DataError } from '../../src/errors';

describe('parsePixelJson', () => {
  it('reads nested rows, skips empty rows, and maps 0..1 floats back to bytes', () => {
    const row = Array.from({ length: 784 }, (_, i) => i % 256);
    const nested = Buffer.from(JSON.stringify({ data: [row, [], row.map((v) => 255 - v)] }));
    const px = parsePixelJson(nested, 'uint8', 'n.json');
    expect(px.length).toBe(2 * 784);
    expect(px[5]).toBe(5);
    expect(px[784 + 5]).toBe(250);
    const flat = Buffer.from(JSON.stringify({ data: row.map((v) => Number((v / 255).toFixed(3))) }));
    expect(Array.from(parsePixelJson(flat, 'unit', 'f.json'))).toEqual(row);
    expect(Array.from(parsePixelJson(Buffer.from('{"data":[' + Array(784).fill('1e0').join(',') + ']}'), 'unit', 'e.json'))[0]).toBe(255);
  });

  it('refuses damaged files', () => {
    expect(() => parsePixelJson(Buffer.from('{"data":[[1,2,3]]}'), 'uint8', 'x.json')).toThrow(/x\.json: a row holds 3 numbers/);
    expect(() => parsePixelJson(Buffer.from('{"data":[' + Array(784).fill(300).join(',') + ']}'), 'uint8', 'x.json')).toThrow(/not a 0\.\.255 pixel/);
    expect(() => parsePixelJson(Buffer.from('{"data":[]}'), 'uint8', 'x.json')).toThrow(DataError);
  });
});

describe('fashion-mnist', () => {
  it('loads a class subset offline with real names, de-duplicated, split, at 28x28x1', async () => {
    const ds = await loadDataset('fashion-mnist:0,8');
    expect(ds.classes).toEqual([FASHION_MNIST_CLASSES[0], FASHION_MNIST_CLASSES[8]]);
    expect(ds.classes).toEqual(['t-shirt/top', 'bag']);
    expect(ds.naturalInput).toEqual({ height: 28, width: 28, channels: 1 });
    // Class 0: 7,000 images (+2 empty rows, skipped) of which 3 repeat; class 8 has no repeats.
    expect(ds.examples.filter((e) => e.label === 0)).toHaveLength(6997);
    expect(ds.examples.filter((e) => e.label === 1)).toHaveLength(7000);
    expect(new Set(ds.examples.map((e) => e.hash)).size).toBe(ds.examples.length);
    expect(ds.examples[0].id).toMatch(/^fashion-mnist\/0\/\d+$/);
    expect(ds.examples.find((e) => e.label === 1)!.source).toMatchObject({ kind: 'builtin', set: 'fashion-mnist', classIndex: 8 });
    const test = examplesOf(ds, 'test').length / ds.examples.length;
    expect(test).toBeGreaterThan(0.09);
    expect(test).toBeLessThan(0.11);
  });

  it('matches the package file and decodes a 28x28x1 request as a straight copy', async () => {
    // The first row of the file, read as JSON from the file's opening bytes (the file is 16 MB).
    const head = fs.readFileSync(builtinDataFile('fashion-mnist', 8)).subarray(0, 8192).toString('latin1');
    const row0 = JSON.parse(head.slice(head.indexOf('[[') + 1, head.indexOf(']') + 1)) as number[];
    expect(row0).toHaveLength(784);
    const data = await loadBuiltinClass('fashion-mnist', 8);
    expect(data.count).toBe(7000);
    expect(Array.from(builtinRow(data, 0))).toEqual(row0);
    const ex = { id: 'fashion-mnist/8/0', source: { kind: 'builtin' as const, set: 'fashion-mnist' as const, classIndex: 8, index: 0 }, label: 0, hash: data.hashes[0], split: 'train' as const };
    const copy = await decodeExample(ex, { height: 28, width: 28, channels: 1, resize: 'fill' }, defaultDecodeConfig());
    expect(Array.from(copy)).toEqual(row0);
    const rgb = await decodeExample(ex, { height: 28, width: 28, channels: 3, resize: 'fill' }, defaultDecodeConfig());
    expect(rgb[3 * 400]).toBe(row0[400]);
    expect(rgb[3 * 400 + 2]).toBe(row0[400]);
    const big = await decodeExample(ex, { height: 56, width: 56, channels: 3, resize: 'fill' }, defaultDecodeConfig());
    expect(big.length).toBe(56 * 56 * 3);
    expect(Math.max(...big)).toBeGreaterThan(100);
  });

  it('streams batches from memory and keeps a few-shot run on the full test split', async () => {
    const few = await loadDataset('fashion-mnist:0,8', { limitPerClass: 20 });
    const full = await loadDataset('fashion-mnist:0,8');
    expect(examplesOf(few, 'train')).toHaveLength(40);
    expect(examplesOf(few, 'test')).toEqual(examplesOf(full, 'test'));
    const input = { height: 28, width: 28, channels: 1 as const, preprocessing: { kind: 'scale01' as const }, resize: 'fill' as const };
    let n = 0;
    for await (const b of batches(examplesOf(few, 'train'), input, { batchSize: 16, shuffleSeed: 1 })) {
      n += b.shape[0];
      expect(Math.max(...b.x)).toBeLessThanOrEqual(1);
    }
    expect(n).toBe(40);
  });
});

describe('mnist', () => {
  it('loads digits offline from floats, row for row as in the package file', async () => {
    const ds = await loadDataset('mnist:3,7');
    expect(ds.classes).toEqual(['3', '7']);
    const rows = JSON.parse(fs.readFileSync(builtinDataFile('mnist', 3), 'utf8')).data as number[];
    const data = await loadBuiltinClass('mnist', 3);
    expect(data.count * 784).toBe(rows.length);
    expect(ds.examples.filter((e) => e.label === 0).length + ds.duplicates.reduce((s, d) => s + d.ids.length - d.kept.length, 0)).toBe(data.count);
    for (const i of [0, 500, data.count - 1]) {
      const expected = rows.slice(i * 784, (i + 1) * 784).map((v) => Math.round(v * 255));
      expect(Array.from(builtinRow(data, i))).toEqual(expected);
    }
  });
});
