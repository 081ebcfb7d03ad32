// The README's commands are run as written, in order, in a scratch folder, so the README cannot
// rot: every `node bin/tl` line of its fenced shell blocks, with flags appended that make it small
// (later flags win), and its exit code checked. A new kind of command in the README fails this
// test until it is given a way to run here.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { runCli } from './helpers/cli';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** Shell lines of the ```sh blocks, comments and blank lines dropped. */
function shellLines(markdown: string): string[] {
  const lines: string[] = [];
  let inside = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) {
      inside = !inside && /^```(sh|bash|shell)\s*$/.test(line);
      continue;
    }
    const code = line.replace(/\s+#.*$/, '').trim();
    if (inside && code && !code.startsWith('#')) lines.push(code);
  }
  return lines;
}

/** Flags appended per subcommand so each command runs in seconds: fewer images and epochs. */
const SHRINK: Record<string, string[]> = {
  transfer: ['--epochs', '2', '--fine-tune-epochs', '1', '--val-split', '0.003', '--test-split', '0.003', '--limit-per-class', '4'],
  pretrain: ['--epochs', '1', '--val-split', '0.003', '--test-split', '0.003', '--limit-per-class', '20'],
  evaluate: [],
  assess: ['--limit-per-class', '4', '--probe-images', '4', '--steps', '20', '--folds', '2'],
};
/** Commands that are not tl runs, and why they are not run here. */
const NOT_RUN: Record<string, string> = { 'npm test': 'it is the command running this test' };

const lines = shellLines(readme);

test('the README has shell blocks with tl commands', () => {
  expect(lines.filter((l) => l.startsWith('node bin/tl ')).length).toBeGreaterThanOrEqual(4);
});

test('every command in the README runs and exits as documented', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-readme-'));
  const saved = process.cwd();
  process.chdir(work);
  try {
    for (const line of lines) {
      if (NOT_RUN[line]) continue;
      expect(line).toMatch(/^node bin\/tl /);
      const args = line.replace(/^node bin\/tl /, '').split(/\s+/);
      const shrink = SHRINK[args[0]];
      if (!shrink) throw new Error(`no way to run "${line}" in this test: add its subcommand to SHRINK`);
      const r = await runCli([...args, ...shrink]);
      // A quality gate on a shrunken run may fail (exit 1), and must say so; anything else is 0.
      const allowed = args.includes('--min-accuracy') ? [0, 1] : [0];
      if (!allowed.includes(r.code)) throw new Error(`"${line}" exited ${r.code}:\n${r.stderr}`);
      if (args.includes('--min-accuracy')) expect(r.stdout + r.stderr).toMatch(/accuracy/i);
      const out = args[args.indexOf('--out') + 1];
      if (args.includes('--out')) expect(fs.existsSync(path.join(work, out, 'model.json'))).toBe(true);
    }
  } finally {
    process.chdir(saved);
    fs.rmSync(work, { recursive: true, force: true });
  }
});

/** The ```js blocks: library examples. */
function jsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

test("the README's library example runs against this checkout's build and prints real figures", () => {
  const blocks = jsBlocks(readme);
  expect(blocks.length).toBeGreaterThanOrEqual(1);
  const dist = path.join(__dirname, '..', 'dist', 'index.js');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-readme-js-'));
  try {
    for (const code of blocks) {
      // The package name resolves to this checkout's compiled library (npm test compiles it first).
      const script = code.replace(/require\('tl-transfer'\)/g, `require(${JSON.stringify(dist)})`);
      expect(script).not.toBe(code);
      const r = spawnSync(process.execPath, ['-e', script], { cwd: work, encoding: 'utf8', timeout: 300_000 });
      if (r.status !== 0) throw new Error(`README example exited ${r.status}:\n${r.stderr}`);
      expect(r.stdout).toMatch(/epoch 8: validation accuracy 0\.\d+/);
      const test = Number(/test accuracy ([\d.]+)/.exec(r.stdout)?.[1]);
      const evaluated = Number(/held-out test split: ([\d.]+)/.exec(r.stdout)?.[1]);
      // evaluate on the saved test split repeats the run's own test figure.
      expect(test).toBeGreaterThan(0.8);
      expect(evaluated).toBeCloseTo(test, 6);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
