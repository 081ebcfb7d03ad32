// `tl inspect`: the data room's summary, and the command end to end through the CLI entry
// (argv in; JSON or table on stdout, warnings and errors on stderr, exit code out). In-process,
// so the test costs seconds rather than a TypeScript compile per run.
import * as fs from 'fs';
import * as path from 'path';
import { inspectData } from '../../src/data';
import { removeDir, tempDir, writeImage, writeText, writeTruncatedJpeg } from '../helpers/images';

let root: string;

beforeAll(async () => {
  root = tempDir('inspect');
  for (let i = 0; i < 12; i++) await writeImage(path.join(root, 'many', `m${i}.jpg`), { seed: i, w: 30 + i, h: 20 });
  for (let i = 0; i < 3; i++) await writeImage(path.join(root, 'few', `f${i}.png`), { seed: 50 + i, format: 'png', channels: 1 });
  fs.copyFileSync(path.join(root, 'many', 'm0.jpg'), path.join(root, 'few', 'same-as-m0.jpg'));
  await writeTruncatedJpeg(path.join(root, 'many', 'cut.jpg'), 9);
  writeText(path.join(root, 'few', 'zero.png'), '');
  writeText(path.join(root, 'few', 'Thumbs.db'), 'x');
});
afterAll(() => removeDir(root));

it('summarises counts, sizes, bad files, duplicates and imbalance', async () => {
  const r = await inspectData(root);
  expect(r.kind).toBe('folder');
  expect(r.classes).toEqual(['few', 'many']);
  expect(r.counts.many.total).toBe(12);
  expect(r.counts.few.total).toBe(4);
  expect(r.totals.total).toBe(16);
  expect(r.counts.many.train + r.counts.many.val + r.counts.many.test).toBe(12);
  expect(r.skipped.map((s) => [path.basename(s.id), s.reason.split(' ')[0]]).sort()).toEqual([
    ['cut.jpg', 'truncated'],
    ['zero.png', 'empty'],
  ]);
  expect(r.ignoredCount).toBe(1);
  expect(r.duplicates).toHaveLength(1);
  expect(r.duplicates[0]).toMatchObject({ crossClass: true, labels: ['many', 'few'].sort() });
  expect(r.sizes.width).toEqual({ min: 24, median: 34, max: 41 });
  expect(r.sizes.colours).toEqual({ rgb: 13, grey: 3 });
  expect(r.sizes.formats).toEqual({ jpeg: 13, png: 3 });
  expect(r.imbalance).toMatchObject({ largest: { class: 'many', count: 12 }, smallest: { class: 'few', count: 4 }, ratio: 3, warn: true });
  expect(r.warnings.join('\n')).toMatch(/imbalanced/);
  expect(r.warnings.join('\n')).toMatch(/more than one class/);
});

async function tl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../src/cli/main');
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const noColor = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  process.exitCode = 0;
  try {
    await main(['node', 'tl', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
    if (noColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = noColor;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr };
}

it('tl inspect --json prints one JSON object with the documented keys', async () => {
  const r = await tl(['inspect', '--data', root, '--json', '--seed', '7']);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  for (const key of ['classes', 'counts', 'skipped', 'duplicates', 'totals', 'sizes', 'imbalance', 'warnings']) expect(report).toHaveProperty(key);
  expect(report.splitConfig.seed).toBe(7);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
});

it('tl inspect prints a table and warnings for people', async () => {
  const r = await tl(['inspect', '--data', root]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/class\s+train\s+val\s+test\s+total/);
  expect(r.stdout).toMatch(/many\s+\d+\s+\d+\s+\d+\s+12/);
  expect(r.stdout).toMatch(/many[\\/]cut\.jpg: truncated or damaged/);
  expect(r.stdout).toMatch(/duplicates: 1 group/);
  expect(r.stderr).toMatch(/warning: classes are imbalanced/);
});

it('tl inspect exits 3 with what/where/how for unusable data, and 2 for bad flags', async () => {
  const missing = await tl(['inspect', '--data', path.join(root, 'nope')]);
  expect(missing.code).toBe(3);
  expect(missing.stderr).toMatch(/error: --data .*nope: no such file or folder/);
  expect(missing.stderr).toMatch(/Check the path/);
  const oneClass = await tl(['inspect', '--data', path.join(root, 'many')]);
  expect(oneClass.code).toBe(3);
  const badFlag = await tl(['inspect', '--data', root, '--val-split', '2']);
  expect(badFlag.code).toBe(2);
  expect(badFlag.stderr).toMatch(/--val-split/);
});
