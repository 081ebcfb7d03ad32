// Which existing folders --overwrite may replace, without TensorFlow: empty ones and tl run
// directories holding only what tl wrote (tl.json lists it; older runs by the known names).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkOutDir, runDirectoryRefusal, summariseFolder } from '../../src/models/run-files';

const tl = { tlVersion: '0.1.0', kind: 'transfer', featureLayer: 'f', input: {} };
const written = ['history.csv', 'labels.json', 'metrics.json', 'model.json', 'split.json', 'tl.json', 'weights.bin'];

test('an empty folder, or a run holding only the files its tl.json lists, may be replaced', () => {
  expect(runDirectoryRefusal({ entries: [] })).toBeUndefined();
  expect(runDirectoryRefusal({ entries: [...written, 'plots'], tl: { ...tl, files: [...written, 'plots'] } })).toBeUndefined();
});

test('a run written before tl.json listed its files is known by the names tl uses', () => {
  expect(runDirectoryRefusal({ entries: [...written, 'learning-curves.png'], tl })).toBeUndefined();
  expect(runDirectoryRefusal({ entries: [...written, 'plots'], tl })).toBe('it holds files tl did not write there (plots)');
});

test("tl evaluate's default report folder may go with the run, but only with report files in it", () => {
  const files = [...written, 'evaluation'];
  expect(runDirectoryRefusal({ entries: files, tl: { ...tl, files: written }, evaluation: ['report.html', 'evaluation.json', '.report.html.tmp-12-ab'] })).toBeUndefined();
  expect(runDirectoryRefusal({ entries: files, tl: { ...tl, files: written }, evaluation: ['report.html', 'my-notes.md'] })).toBe(
    'it holds files tl did not write there (evaluation/my-notes.md)',
  );
  // A file called evaluation is not the report folder.
  expect(runDirectoryRefusal({ entries: files, tl: { ...tl, files: written } })).toBe('it holds files tl did not write there (evaluation)');
});

test('anything else is refused with the reason', () => {
  const notRun = /^it is not a tl run directory/;
  expect(runDirectoryRefusal({ entries: ['data', 'notes.txt'] })).toMatch(notRun);
  expect(runDirectoryRefusal({ entries: ['model.json', 'tl.json'], tl: { hello: 1 } })).toMatch(notRun);
  expect(runDirectoryRefusal({ entries: ['tl.json'], tl })).toMatch(notRun); // no model.json
  expect(runDirectoryRefusal({ entries: [...written, 'a', 'b', 'c', 'd'], tl: { ...tl, files: written } })).toBe('it holds files tl did not write there (a, b, c and 1 more)');
});

test('checkOutDir: a user folder is refused with --overwrite and left as it was', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-run-files-'));
  try {
    const out = path.join(work, 'mine');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'keep me');
    expect(() => checkOutDir(out, false)).toThrow(/already exists/);
    expect(() => checkOutDir(out, true)).toThrow(`--overwrite refuses to replace ${out}: it is not a tl run directory`);
    expect(summariseFolder(out)).toEqual({ entries: ['notes.txt'], tl: undefined, evaluation: undefined });
    fs.rmSync(path.join(out, 'notes.txt'));
    expect(() => checkOutDir(out, true)).not.toThrow(); // empty now
    expect(() => checkOutDir(out, true, [path.join(out, 'inside')])).toThrow(/it contains the data/);
    expect(() => checkOutDir(path.join(work, 'new'), false)).not.toThrow();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
