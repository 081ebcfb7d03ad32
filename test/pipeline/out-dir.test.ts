// Where tl transfer / pretrain / evaluate write, through the CLI: --overwrite never replaces a
// folder tl did not write (every other file stays byte for byte), paths that cannot be written are
// refused before any work, one run at a time per --out (a dead holder's lock is taken over), a
// killed run's temporary folders are cleaned, and a run that would train nothing is refused.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { transfer } from '../../src/pipeline/transfer';
import { InterruptedError, UsageError } from '../../src/errors';
import { makeColourFolder, makeColourRun, tempDir } from '../helpers/colour-run';
import { runCli } from '../helpers/cli';

const repo = path.join(__dirname, '..', '..');
let work: string;
let proj: string;
let data: string;
let base: string;
const savedCacheDir = process.env.TL_CACHE_DIR;

/** A tiny transfer: one epoch of the head on cached activations of the 8x8 colour base. */
const transferArgs = (...more: string[]) => ['transfer', '--base', base, '--data', data, '--epochs', '1', '--fine-tune-epochs', '0', '--batch-size', '8', ...more];

/** Every file under `dir` by relative path, with its bytes (base64), and every folder. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(full);
      } else out[rel] = fs.readFileSync(full).toString('base64');
    }
  };
  walk(dir);
  return out;
}

beforeAll(async () => {
  work = fs.realpathSync(tempDir('out-dir'));
  process.env.TL_CACHE_DIR = path.join(work, 'cache');
  proj = path.join(work, 'proj');
  data = path.join(proj, 'data');
  await makeColourFolder(data, 3, false);
  fs.writeFileSync(path.join(proj, 'notes.txt'), 'my notes\n');
  fs.mkdirSync(path.join(work, 'home'));
  fs.writeFileSync(path.join(work, 'home', '.profile'), 'export A=1\n');
  base = path.join(work, 'base');
  await makeColourRun(base, data);
}, 600_000);

afterAll(() => {
  if (savedCacheDir === undefined) delete process.env.TL_CACHE_DIR;
  else process.env.TL_CACHE_DIR = savedCacheDir;
  fs.rmSync(work, { recursive: true, force: true });
});

describe('--overwrite', () => {
  test('never replaces the current folder, the data, a folder holding the data or the home folder: every file stays byte for byte', async () => {
    const before = snapshot(work);
    const cwd = process.cwd();
    process.chdir(proj);
    try {
      // The reported case: from inside a folder holding data/ and notes.txt.
      const r = await runCli(['transfer', '--base', base, '--data', 'data', '--epochs', '1', '--fine-tune-epochs', '0', '--out', '.', '--overwrite']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--overwrite refuses to replace ${proj}: it is the current folder`);
    } finally {
      process.chdir(cwd);
    }
    const cases: [string[], Record<string, string>, string][] = [
      [['--out', data], {}, 'it is the data'],
      [['--out', proj], {}, 'it contains the data'],
      [['--out', work], {}, 'it contains the data'],
    ];
    for (const [args, env, why] of cases) {
      const r = await runCli(transferArgs(...args, '--overwrite'), env);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(why);
    }
    // The home folder comes from the process's own environment: a process of its own.
    const home = path.join(work, 'home');
    const h = await runBin(transferArgs('--out', home, '--overwrite'), 120_000, { HOME: home });
    expect(h.code).toBe(2);
    expect(h.output).toContain(`--overwrite refuses to replace ${home}: it is your home folder`);
    expect(snapshot(work)).toEqual(before);
  }, 600_000);

  test('refuses a folder holding files tl did not write; replaces an empty folder, and a run with its evaluation report', async () => {
    const mine = path.join(work, 'runs', 'mine');
    fs.mkdirSync(mine, { recursive: true });
    fs.writeFileSync(path.join(mine, 'model.json'), '{"mine": true}');
    fs.writeFileSync(path.join(mine, 'thesis.tex'), 'chapter 1');
    const before = snapshot(work);
    const refused = await runCli(transferArgs('--out', mine, '--overwrite'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('it is not a tl run directory');
    expect(snapshot(work)).toEqual(before);

    const empty = path.join(work, 'runs', 'empty');
    fs.mkdirSync(empty);
    // A file of the user's in the checkpoint folder beside --out stays when the run removes its checkpoint.
    fs.mkdirSync(`${empty}.checkpoint`);
    fs.writeFileSync(path.join(`${empty}.checkpoint`, 'keep.txt'), 'keep');
    expect((await runCli(transferArgs('--out', empty, '--overwrite'))).code).toBe(0);
    expect(fs.existsSync(path.join(empty, 'model.json'))).toBe(true);
    expect(fs.readdirSync(`${empty}.checkpoint`)).toEqual(['keep.txt']);

    expect((await runCli(['evaluate', '--model', empty, '--data', data])).code).toBe(0);
    expect(fs.existsSync(path.join(empty, 'evaluation', 'report.html'))).toBe(true);
    const replaced = await runCli(transferArgs('--out', empty, '--overwrite'));
    expect(replaced.code).toBe(0);
    expect(fs.existsSync(path.join(empty, 'evaluation'))).toBe(false);
    expect(fs.readdirSync(path.join(work, 'runs')).sort()).toEqual(['empty', 'empty.checkpoint', 'mine']);
  }, 600_000);
});

describe('paths that cannot be written are refused before any work (exit 2)', () => {
  test('--out below a file, --tensorboard on a file, --report on a file', async () => {
    const notes = path.join(proj, 'notes.txt');
    const below = await runCli(transferArgs('--out', path.join(notes, 'sub')));
    expect(below.code).toBe(2);
    expect(below.stderr).toContain(`${notes} is a file, not a folder`);
    expect(below.stdout + below.stderr).not.toMatch(/epoch 1/);

    const tb = await runCli(transferArgs('--out', path.join(work, 'runs', 'tb'), '--tensorboard', notes));
    expect(tb.code).toBe(2);
    expect(tb.stderr).toContain(`--tensorboard ${notes} is an existing file, not a folder`);
    expect(fs.existsSync(path.join(work, 'runs', 'tb'))).toBe(false);

    const report = await runCli(['evaluate', '--model', base, '--report', notes]);
    expect(report.code).toBe(2);
    expect(report.stderr).toContain(`--report ${notes} is an existing file`);
    expect(fs.readFileSync(notes, 'utf8')).toBe('my notes\n');
  }, 600_000);

  test('--epochs 0 --fine-tune-epochs 0 (and pretrain --epochs 0) would save an untrained model', async () => {
    const out = path.join(work, 'runs', 'untrained');
    const t = await runCli(transferArgs('--out', out).map((a, i, all) => (all[i - 1] === '--epochs' ? '0' : a)));
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('--epochs 0 --fine-tune-epochs 0 trains nothing');
    const p = await runCli(['pretrain', '--data', data, '--epochs', '0', '--out', out]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('--epochs 0 trains nothing');
    expect(fs.existsSync(out)).toBe(false);
  });
});

/** Runs bin/tl; kills it after `boundMs` (a hang), then resolves with its exit code and output. */
function runBin(args: string[], boundMs: number, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(repo, 'bin', 'tl'), ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('bin/tl in a process of its own', () => {
  test('--out and --report under /proc end at once with exit 2 (they used to hang, deaf to signals)', async () => {
    const t = await runBin(transferArgs('--out', '/proc/self/newrun'), 120_000);
    expect(t.code).toBe(2);
    expect(t.output).toContain('--out /proc/self/newrun is under /proc');
    const e = await runBin(['evaluate', '--model', base, '--report', '/proc/self/report'], 120_000);
    expect(e.code).toBe(2);
    expect(e.output).toContain('--report /proc/self/report is under /proc');
  }, 600_000);
});

describe('one run per --out', () => {
  test('a live holder is named and the run exits 2; once it is dead, its lock is taken over and its temporary folders cleaned', async () => {
    const out = path.join(work, 'runs', 'locked');
    const lockFile = `${out}.lock`;
    // Another live process holds the lock, through tl's own lock code.
    const holder = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', `require('./src/lock').tryLock(${JSON.stringify(lockFile)}).held ? console.log('held') : process.exit(3); setInterval(() => {}, 1000);`], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const holderExit = new Promise((resolve) => holder.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        holder.on('exit', () => reject(new Error('the lock holder exited early')));
      });
      const busy = await runCli(transferArgs('--out', out));
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`--out ${out} is in use by another tl run (pid ${holder.pid} on`);
      expect(busy.stderr).toContain(lockFile);
      expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid).toBe(holder.pid);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
      await holderExit;
    }
    // Killed: its lock file is left behind, as are the temporary folders of a final write.
    expect(fs.existsSync(lockFile)).toBe(true);
    const deadTemp = path.join(work, 'runs', `.locked.tmp-${holder.pid}-abcdef`);
    const liveTemp = path.join(work, 'runs', `.other.tmp-${process.pid}-ghijkl`);
    for (const d of [deadTemp, `${deadTemp}-old`, liveTemp]) fs.mkdirSync(d);
    fs.cpSync(base, `${deadTemp}-old`, { recursive: true }); // the run it was replacing
    const r = await runCli(transferArgs('--out', out, '--overwrite'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`removed ${deadTemp}, left by a killed run`);
    expect(r.stderr).toContain(`put back ${out}: a run killed while replacing it had moved it aside`);
    expect(fs.existsSync(deadTemp)).toBe(false);
    expect(fs.existsSync(`${deadTemp}-old`)).toBe(false); // put back as --out, then replaced by this run
    expect(fs.existsSync(liveTemp)).toBe(true); // a live process's: never touched
    expect(fs.existsSync(lockFile)).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'tl.json'), 'utf8')).kind).toBe('transfer');
    fs.rmdirSync(liveTemp);
  }, 600_000);

  test('the lock is released when the run fails and when it is interrupted', async () => {
    const opts = { base, data, epochs: 1, fineTuneEpochs: 0, batchSize: 8 };
    const failed = path.join(work, 'runs', 'failed');
    await expect(transfer({ ...opts, out: failed, cutLayer: 'no_such_layer' })).rejects.toBeInstanceOf(UsageError);
    expect(fs.existsSync(`${failed}.lock`)).toBe(false);
    const stopped = path.join(work, 'runs', 'stopped');
    await expect(transfer({ ...opts, out: stopped }, { shouldStop: () => true })).rejects.toBeInstanceOf(InterruptedError);
    expect(fs.existsSync(`${stopped}.lock`)).toBe(false);
  }, 600_000);
});
