// Pure tests of manifest parsing: CSV quoting, JSONL, the split column, paths kept inside the folder.
import * as path from 'path';
import { manifestFormatOf, parseManifest, parseSplitName, resolveInside } from '../../src/data/manifest';
import { DataError } from '../../src/errors';

describe('CSV manifests', () => {
  it('reads quoted fields with commas, quotes and newlines, a BOM and header case', () => {
    const csv = '\uFEFFPath,Label\r\n"a, b.jpg",cat\n"multi\nline.png",dog\n"say ""hi"".jpg", cat \n\nplain.jpg,dog\n';
    const rows = parseManifest(csv, 'csv', 'm.csv');
    expect(rows.map((r) => [r.path, r.label])).toEqual([
      ['a, b.jpg', 'cat'],
      ['multi\nline.png', 'dog'],
      ['say "hi".jpg', 'cat'],
      ['plain.jpg', 'dog'],
    ]);
    expect(rows[1].line).toBe(4); // the record that spans lines 3-4 ends on line 4
    expect(rows.every((r) => r.split === undefined)).toBe(true);
  });

  it('reads a split column with its aliases', () => {
    const rows = parseManifest('path,label,split\na.jpg,x,train\nb.jpg,y,Validation\nc.jpg,x,TEST\n', 'csv', 'm.csv');
    expect(rows.map((r) => r.split)).toEqual(['train', 'val', 'test']);
  });

  it('names the file and line of bad rows', () => {
    expect(() => parseManifest('file,class\na.jpg,x\n', 'csv', 'm.csv')).toThrow(/m\.csv: the header has columns "file", "class"; expected path and label/);
    expect(() => parseManifest('path,label\na.jpg,\n', 'csv', 'm.csv')).toThrow(/m\.csv:2: the row for a\.jpg has no label/);
    expect(() => parseManifest('path,label,split\na.jpg,x,holdout\n', 'csv', 'm.csv')).toThrow(/m\.csv:2: split "holdout"/);
    expect(() => parseManifest('path,label,split\na.jpg,x,train\nb.jpg,y,\n', 'csv', 'm.csv')).toThrow(/1 of 2 rows have a split but m\.csv:3 does not/);
    expect(() => parseManifest('path,label\n"a.jpg,x\n', 'csv', 'm.csv')).toThrow(DataError);
  });
});

describe('JSONL manifests', () => {
  it('reads objects, skipping blank lines, numeric labels become strings', () => {
    const rows = parseManifest('{"path":"a.jpg","label":"cat","split":"train"}\n\n{"path":"dir/b,1.png","label":3,"split":"val"}\n', 'jsonl', 'm.jsonl');
    expect(rows).toEqual([
      { line: 1, path: 'a.jpg', label: 'cat', split: 'train' },
      { line: 3, path: 'dir/b,1.png', label: '3', split: 'val' },
    ]);
    expect(() => parseManifest('{"path":"a.jpg","label":"x","split":"train"}\n{"path":"b.jpg","label":"y"}\n', 'jsonl', 'm.jsonl')).toThrow(
      /1 of 2 rows have a split but m\.jsonl:2 does not/,
    );
  });

  it('names the line of broken JSON', () => {
    expect(() => parseManifest('{"path":"a.jpg","label":"x"}\n{oops}\n', 'jsonl', 'm.jsonl')).toThrow(/m\.jsonl:2: not valid JSON/);
    expect(() => parseManifest('["a.jpg","x"]\n', 'jsonl', 'm.jsonl')).toThrow(/m\.jsonl:1: expected an object/);
  });
});

describe('helpers', () => {
  it('knows manifest extensions', () => {
    expect(manifestFormatOf('x/Labels.CSV')).toBe('csv');
    expect(manifestFormatOf('x.jsonl')).toBe('jsonl');
    expect(manifestFormatOf('x.ndjson')).toBe('jsonl');
    expect(manifestFormatOf('x.json')).toBeUndefined();
  });

  it('parses split names', () => {
    expect(parseSplitName(' VAL ')).toBe('val');
    expect(parseSplitName('training')).toBeUndefined();
  });

  it('keeps paths inside the manifest folder', () => {
    const root = path.resolve('/data/set');
    expect(resolveInside(root, 'a/b.jpg')).toBe(path.join(root, 'a', 'b.jpg'));
    expect(resolveInside(root, './x/../b.jpg')).toBe(path.join(root, 'b.jpg'));
    expect(resolveInside(root, '../other/b.jpg')).toBeUndefined();
    expect(resolveInside(root, '..')).toBeUndefined();
    expect(resolveInside(root, '/etc/passwd')).toBeUndefined();
    expect(resolveInside(root, path.join(root, 'in.jpg'))).toBe(path.join(root, 'in.jpg'));
    expect(resolveInside(root, '..foo.jpg')).toBe(path.join(root, '..foo.jpg'));
  });
});
