// Hostile and careless input, as issue 14 lists it: each case asserts the exit code, a message
// naming the file or flag, never exit 70, an end within a time bound, and, for the data-loss
// cases, that every file outside the run directory is still there byte for byte. The corpus is
// generated at test time (world.ts). Cases that could hang run bin/tl as a child with a time-out;
// the rest run in-process (runCli) so the suite stays well under a minute.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCli, type CliRun } from '../helpers/cli';
import { makeWorld, modelWithPaths, nanModel, snapshot, type World } from './world';

const bin = path.join(__dirname, '..', '..', 'bin', 'tl');
/** A hang guard, not a speed check: these finish in about a second when nothing is wrong. */
const HANG_LIMIT_MS = 60_000;

interface Case {
  name: string;
  args: (w: World) => string[];
  code: number;
  /** must match stderr + stdout: names the file or flag */
  message: RegExp | ((w: World) => RegExp);
  /** run bin/tl in a child process with a time-out (for inputs that used to hang) */
  spawn?: boolean;
  cwd?: (w: World) => string;
  env?: (w: World) => Record<string, string>;
  /** folders whose every file must be unchanged afterwards */
  preserve?: (w: World) => string[];
  setup?: (w: World) => void;
  check?: (w: World, r: CliRun) => void;
}

const tiny = ['--epochs', '1', '--fine-tune-epochs', '0', '--val-split', '0.2', '--test-split', '0'];
const tinyPretrain = ['--epochs', '1', '--input-size', '16', '--val-split', '0.2', '--test-split', '0'];
const dataLoss = (w: World) => [w.work, w.home];

const cases: Case[] = [
  // ---- 1. --overwrite never deletes what tl did not write
  { name: 'transfer --out . --overwrite in a folder holding the data', cwd: (w) => w.work, args: (w) => ['transfer', '--base', w.run, '--data', 'data', '--out', '.', '--overwrite', ...tiny], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'transfer --out <data folder> --overwrite', cwd: (w) => w.work, args: (w) => ['transfer', '--base', w.run, '--data', 'data', '--out', 'data', '--overwrite', ...tiny], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'transfer --out <parent of the data> --overwrite', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', w.work, '--overwrite', ...tiny], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'transfer --out <a class folder inside the data> --overwrite', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.data, 'a'), '--overwrite', ...tiny], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'transfer --out ~ --overwrite', env: (w) => ({ HOME: w.home }), args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', w.home, '--overwrite', ...tiny], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'transfer --out / --overwrite', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', '/', '--overwrite', ...tiny], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'pretrain --out . --overwrite in a folder holding the data', cwd: (w) => w.work, args: () => ['pretrain', '--data', 'data', '--out', '.', '--overwrite', ...tinyPretrain], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'pretrain --out <data folder> --overwrite', args: (w) => ['pretrain', '--data', w.data, '--out', w.data, '--overwrite', ...tinyPretrain], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'pretrain --out <a folder of user files> --overwrite', args: (w) => ['pretrain', '--data', w.data, '--out', w.home, '--overwrite', ...tinyPretrain], code: 2, message: /--out/, preserve: dataLoss },
  { name: 'transfer --out <existing run> without --overwrite', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', w.run, ...tiny], code: 2, message: /--overwrite/, preserve: (w) => [w.run, w.work] },
  { name: 'evaluate --report <a folder of user files>', args: (w) => ['evaluate', '--model', w.run, '--report', w.work], code: 2, message: /--report/, preserve: dataLoss },

  // ---- 2. a local model.json never reads outside its folder
  ...(['predict', 'transfer', 'models show'] as const).flatMap((how): Case[] => {
    const use = (dir: string, w: World) =>
      how === 'predict' ? ['predict', '--model', dir, path.join(w.data, 'a', '0.png')] : how === 'transfer' ? ['transfer', '--base', path.join(dir, 'model.json'), '--data', w.data, '--out', path.join(w.root, 'out-evil'), ...tiny] : ['models', 'show', dir];
    return [
      { name: `${how}: weights path ../outside/x.bin`, args: (w) => use(modelWithPaths(w, `up-${how.replace(' ', '-')}`, ['../outside/x.bin'], (d) => { fs.mkdirSync(path.join(d, '..', 'outside'), { recursive: true }); fs.copyFileSync(path.join(w.run, 'weights.bin'), path.join(d, '..', 'outside', 'x.bin')); }), w), code: 4, message: /\.\.\/outside\/x\.bin|outside/ },
      { name: `${how}: weights path ../../../../etc/passwd`, args: (w) => use(modelWithPaths(w, `etc-${how.replace(' ', '-')}`, ['../../../../../../etc/passwd']), w), code: 4, message: /etc\/passwd/ },
      { name: `${how}: weights path /etc/passwd (absolute)`, args: (w) => use(modelWithPaths(w, `abs-${how.replace(' ', '-')}`, ['/etc/passwd']), w), code: 4, message: /etc\/passwd/ },
      { name: `${how}: a symlink in the model folder to /etc`, args: (w) => use(modelWithPaths(w, `link-${how.replace(' ', '-')}`, ['etc/passwd'], (d) => fs.symlinkSync('/etc', path.join(d, 'etc'))), w), code: 4, message: /etc\/passwd/ },
      { name: `${how}: a weights file longer than its manifest declares`, args: (w) => use(modelWithPaths(w, `long-${how.replace(' ', '-')}`, ['weights.bin'], (d) => fs.writeFileSync(path.join(d, 'weights.bin'), Buffer.concat([fs.readFileSync(path.join(w.run, 'weights.bin')), Buffer.alloc(64)]))), w), code: 4, message: /weights\.bin/ },
    ];
  }),

  // ---- 3. URLs that are not URLs
  { name: "transfer --base 'http://[::1'", args: (w) => ['transfer', '--base', 'http://[::1', '--data', w.data, '--out', path.join(w.root, 'o-url'), ...tiny], code: 2, message: /http:\/\/\[::1/ },
  { name: 'models show http://[::1', args: () => ['models', 'show', 'http://[::1'], code: 2, message: /http:\/\/\[::1/ },

  // ---- 5. NaN is an error, and a gate never passes on it
  { name: 'predict with a NaN model', args: (w) => ['predict', '--model', nanModel(w), path.join(w.data, 'a', '0.png')], code: 4, message: /NaN/ },
  { name: 'evaluate --min-accuracy 0.1 with a NaN model', args: (w) => ['evaluate', '--model', path.join(w.root, 'models', 'nan'), '--data', w.data, '--min-accuracy', '0.1'], code: 4, message: /NaN/ },
  { name: 'evaluate a NaN model on its own test split', args: (w) => ['evaluate', '--model', path.join(w.root, 'models', 'nan'), '--data', w.data], code: 4, message: /NaN/ },
  { name: 'transfer from a NaN base', args: (w) => ['transfer', '--base', path.join(w.root, 'models', 'nan'), '--data', w.data, '--out', path.join(w.root, 'o-nan'), ...tiny], code: 4, message: /NaN|weights/, check: (w) => expect(fs.existsSync(path.join(w.root, 'o-nan'))).toBe(false) },

  // ---- 6-8. inputs that used to hang or eat memory (child processes with a time-out)
  { name: 'inspect a folder with two self-links', spawn: true, args: (w) => ['inspect', '--data', w.loops], code: 0, message: /symlink loop/ },
  { name: 'predict a folder with two self-links', spawn: true, args: (w) => ['predict', '--model', w.run, w.loops], code: 3, message: /symlink loop/ },
  { name: "predict 'DIR/**/*.png' through self-links", spawn: true, args: (w) => ['predict', '--model', w.run, `${w.loops}/**/*.png`], code: 0, message: /0\.png/ },
  { name: 'transfer --out /proc/self/newrun', spawn: true, args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', '/proc/self/newrun', ...tiny], code: 2, message: /\/proc/ },
  { name: 'pretrain --out /sys/newrun', spawn: true, args: (w) => ['pretrain', '--data', w.data, '--out', '/sys/newrun', ...tinyPretrain], code: 2, message: /\/sys/ },
  { name: 'pretrain --out /dev/newrun', spawn: true, args: (w) => ['pretrain', '--data', w.data, '--out', '/dev/newrun', ...tinyPretrain], code: 2, message: /\/dev/ },
  { name: 'evaluate --report /proc/self/report', spawn: true, args: (w) => ['evaluate', '--model', w.run, '--report', '/proc/self/report'], code: 2, message: /\/proc/ },
  { name: 'predict /dev/zero', spawn: true, args: (w) => ['predict', '--model', w.run, '/dev/zero'], code: 3, message: /\/dev\/zero.*not a regular file/ },
  { name: 'predict /dev/urandom', spawn: true, args: (w) => ['predict', '--model', w.run, '/dev/urandom'], code: 3, message: /\/dev\/urandom.*not a regular file/ },
  { name: 'predict a named pipe', spawn: true, args: (w) => ['predict', '--model', w.run, w.singles.fifo], code: 3, message: /pipe\.jpg.*named pipe/ },
  { name: 'inspect a class folder holding a named pipe', spawn: true, args: (w) => ['inspect', '--data', w.bad], code: 0, message: /pipe\.jpg: is not a regular file/ },
  { name: 'pretrain on a class folder holding a named pipe', spawn: true, args: (w) => ['pretrain', '--data', w.bad, '--out', path.join(w.root, 'o-pipe'), ...tinyPretrain], code: 0, message: /pipe\.jpg/ },

  // ---- 9. user and environment errors get 2, 3 or 4, never 70
  { name: '--out existing-file.txt/sub', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.file, 'sub'), ...tiny], code: 2, message: /file\.txt/ },
  { name: 'pretrain --out existing-file.txt/sub', args: (w) => ['pretrain', '--data', w.data, '--out', path.join(w.file, 'sub'), ...tinyPretrain], code: 2, message: /file\.txt/ },
  { name: 'pretrain --input-size 100000', args: (w) => ['pretrain', '--data', w.data, '--out', path.join(w.root, 'o-big'), '--input-size', '100000'], code: 2, message: /--input-size/ },
  { name: '--tensorboard existing-file.txt', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-tb'), '--tensorboard', w.file, ...tiny], code: 2, message: /--tensorboard|file\.txt/ },
  { name: 'activation cache folder is a file', env: (w) => ({ TL_CACHE_DIR: cacheWith(w, 'area-file', (c) => fs.writeFileSync(path.join(c, 'activations'), 'x')) }), args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-cache1'), ...tiny], code: 2, message: /activations.*tl cache clear/s },
  { name: 'a key folder of the activation cache is a file (repaired)', env: (w) => ({ TL_CACHE_DIR: cacheWith(w, 'key-file', () => {}) }), args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-cache2'), ...tiny], code: 0, message: /Model:/ },
  { name: 'tl cache verify on a damaged cache', env: (w) => ({ TL_CACHE_DIR: cacheWith(w, 'verify', (c) => { fs.mkdirSync(path.join(c, 'activations', 'k1'), { recursive: true }); fs.writeFileSync(path.join(c, 'activations', 'k1', 'key.json'), '{'); }) }), args: () => ['cache', 'verify'], code: 3, message: /k1: its key\.json/ },
  { name: 'tl cache verify when the cache folder is a file', env: (w) => ({ TL_CACHE_DIR: cacheWith(w, 'verify-file', (c) => fs.writeFileSync(path.join(c, 'activations'), 'x')) }), args: () => ['cache', 'verify'], code: 3, message: /activations is a file.*tl cache clear/s },

  // ---- 10. usage errors exit 2 (1 is a failed gate)
  ...(['transfer', 'pretrain', 'evaluate', 'predict', 'inspect', 'doctor', 'setup', 'cache verify', 'cache clear', 'models list', 'models show x', 'models pull x', 'models import x'].map((cmd): Case => ({
    name: `${cmd} --frobnicate`,
    args: () => [...cmd.split(' '), '--frobnicate'],
    code: 2,
    message: /unknown option '--frobnicate'/,
  }))),
  ...([
    ['transfer --optimizer bogus', ['transfer', '--base', 'b', '--data', 'd', '--out', 'o', '--optimizer', 'bogus'], /--optimizer/],
    ['pretrain --optimizer bogus', ['pretrain', '--data', 'd', '--out', 'o', '--optimizer', 'bogus'], /--optimizer/],
    ['transfer --resize bogus', ['transfer', '--base', 'b', '--data', 'd', '--out', 'o', '--resize', 'bogus'], /--resize/],
    ['pretrain --resize bogus', ['pretrain', '--data', 'd', '--out', 'o', '--resize', 'bogus'], /--resize/],
    ['transfer without --base', ['transfer', '--data', 'd', '--out', 'o'], /--base/],
    ['transfer without --out', ['transfer', '--base', 'b', '--data', 'd'], /--out/],
    ['pretrain without --data', ['pretrain', '--out', 'o'], /--data/],
    ['evaluate without --model', ['evaluate'], /--model/],
    ['predict without --model', ['predict', 'x.png'], /--model/],
    ['predict without input', ['predict', '--model', 'r'], /inputs/],
    ['models show without a name', ['models', 'show'], /name\|path/],
    ['unknown command', ['frobnicate'], /frobnicate/],
    ['a mistyped flag', ['transfer', '--bse', 'x'], /--bse.*--base/s],
    ['--max-image-bytes 3X', ['inspect', '--data', 'd', '--max-image-bytes', '3X'], /--max-image-bytes/],
    ['--max-image-bytes 3G (over 2G)', ['inspect', '--data', 'd', '--max-image-bytes', '3G'], /--max-image-bytes/],
    ['--batch-size 0', ['transfer', '--base', 'b', '--data', 'd', '--out', 'o', '--batch-size', '0'], /--batch-size/],
    ['--batch-size 100000', ['pretrain', '--data', 'd', '--out', 'o', '--batch-size', '100000'], /--batch-size/],
    ['evaluate --batch-size 100000', ['evaluate', '--model', 'r', '--batch-size', '100000'], /--batch-size/],
    ['predict --batch-size -1', ['predict', '--model', 'r', '--batch-size', '-1', 'x.png'], /--batch-size/],
    ['--hidden 99999', ['transfer', '--base', 'b', '--data', 'd', '--out', 'o', '--hidden', '99999'], /--hidden/],
    ['--hidden 0', ['transfer', '--base', 'b', '--data', 'd', '--out', 'o', '--hidden', '0'], /--hidden/],
    ['--epochs -1', ['transfer', '--base', 'b', '--data', 'd', '--out', 'o', '--epochs', '-1'], /--epochs/],
    ['--val-split 2', ['pretrain', '--data', 'd', '--out', 'o', '--val-split', '2'], /--val-split/],
    ['--seed abc', ['pretrain', '--data', 'd', '--out', 'o', '--seed', 'abc'], /--seed/],
    ['--limit-per-class 0', ['pretrain', '--data', 'd', '--out', 'o', '--limit-per-class', '0'], /--limit-per-class/],
    ['--lr 0', ['pretrain', '--data', 'd', '--out', 'o', '--lr', '0'], /--lr/],
    ['--input-size 4', ['pretrain', '--data', 'd', '--out', 'o', '--input-size', '4'], /--input-size/],
    ['evaluate --min-accuracy 2', ['evaluate', '--model', 'r', '--min-accuracy', '2'], /--min-accuracy/],
    ['predict --top-k 0', ['predict', '--model', 'r', '--top-k', '0', 'x.png'], /--top-k/],
  ] as [string, string[], RegExp][]).map(([name, args, message]): Case => ({ name, args: () => args, code: 2, message })),

  // ---- 11-12. one run per --out; stale locks and temp folders of dead runs are cleaned
  { name: 'a second run on a locked --out', setup: (w) => lockBy(w, 'o-locked', live()), args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-locked'), ...tiny], code: 2, message: () => new RegExp(`pid ${live().pid}`) },
  { name: 'a stale lock of a dead process is taken over', setup: (w) => lockBy(w, 'o-stale', { pid: deadPid() }), args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-stale'), ...tiny], code: 0, message: /Model:/, check: (w) => expect(fs.existsSync(path.join(w.root, 'o-stale', 'model.json'))).toBe(true) },
  {
    name: "a killed run's temp folder is cleaned by the next run",
    setup: (w) => fs.mkdirSync(path.join(w.root, `.o-temp.tmp-${deadPid()}-abcdef`), { recursive: true }),
    args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-temp'), ...tiny],
    code: 0,
    message: /Model:/,
    check: (w) => expect(fs.readdirSync(w.root).filter((n) => n.includes('.tmp-'))).toEqual([]),
  },

  // ---- smaller points
  { name: 'a dangling class-folder symlink is reported with its target', args: (w) => ['inspect', '--data', w.loops], code: 0, message: /dangling-class: a dangling symlink \(its target .*missing-class/ },
  { name: 'a manifest row naming a directory', setup: (w) => fs.writeFileSync(path.join(w.work, 'rows.csv'), 'path,label\ndata/a/0.png,a\ndata/b,b\n'), args: (w) => ['inspect', '--data', path.join(w.work, 'rows.csv')], code: 3, message: /data\/b is a directory/ },
  { name: 'SVG refused by predict', args: (w) => ['predict', '--model', w.run, w.singles.svg], code: 3, message: /vector\.png: svg images are not supported/ },
  { name: 'SVG refused by training', args: (w) => ['inspect', '--data', w.bad], code: 0, message: /vector\.png: svg images are not supported/ },
  { name: '--epochs 0 --fine-tune-epochs 0', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-zero'), '--epochs', '0', '--fine-tune-epochs', '0'], code: 2, message: /--epochs/ },
  { name: 'pretrain --epochs 0', args: (w) => ['pretrain', '--data', w.data, '--out', path.join(w.root, 'o-zero2'), '--epochs', '0'], code: 2, message: /--epochs/ },
  { name: 'a bad --unfreeze-from layer', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-unf'), '--epochs', '1', '--fine-tune-epochs', '1', '--unfreeze-from', 'no_such_layer', '--val-split', '0.2', '--test-split', '0'], code: 2, message: /--unfreeze-from no_such_layer/ },
  { name: 'a bad --cut-layer', args: (w) => ['transfer', '--base', w.run, '--data', w.data, '--out', path.join(w.root, 'o-cut'), '--cut-layer', 'no_such_layer', ...tiny], code: 2, message: /--cut-layer no_such_layer/ },

  // ---- damaged images: each alone through predict, and all together through inspect and training
  ...([
    ['truncated', /truncated\.jpg/],
    ['empty', /empty\.png: empty file/],
    ['text', /text\.jpg/],
    ['bomb', /bomb\.png/],
    ['svg', /vector\.png/],
    ['garbage', /garbage\.webp/],
    ['pngHeaderOnly', /header-only\.png/],
    ['dangling', /gone\.png/],
    ['directory', /folder\.png/],
  ] as [string, RegExp][]).map(([kind, message]): Case => ({ name: `predict a damaged image: ${kind}`, args: (w) => ['predict', '--model', w.run, w.singles[kind]], code: 3, message })),
  { name: 'predict a file over --max-image-bytes', args: (w) => ['predict', '--model', w.run, '--max-image-bytes', '1K', w.singles.large], code: 3, message: /large\.png: .*--max-image-bytes/ },
  { name: 'predict the whole damaged folder', spawn: true, args: (w) => ['predict', '--model', w.run, w.bad], code: 3, message: /truncated\.jpg[\s\S]*pipe\.jpg|pipe\.jpg[\s\S]*truncated\.jpg/ },
  { name: 'inspect names every damaged file', spawn: true, args: (w) => ['inspect', '--data', w.bad, '--max-image-bytes', '1K'], code: 0, message: /(?=[\s\S]*truncated\.jpg)(?=[\s\S]*empty\.png)(?=[\s\S]*text\.jpg)(?=[\s\S]*bomb\.png)(?=[\s\S]*garbage\.webp)(?=[\s\S]*header-only\.png)(?=[\s\S]*gone\.png)(?=[\s\S]*large\.png)(?=[\s\S]*c: a dangling symlink)/ },
];

let world: World;
const children: ChildProcess[] = [];
let liveChild: ChildProcess | undefined;

function live(): { pid: number } {
  if (!liveChild) {
    liveChild = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(liveChild);
  }
  return { pid: liveChild.pid! };
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function lockBy(w: World, out: string, holder: { pid: number }): void {
  // The lock file as src/lock.ts writes it.
  fs.writeFileSync(path.join(w.root, `${out}.lock`), JSON.stringify({ pid: holder.pid, host: require('os').hostname(), at: Date.now() }));
}

/** A fresh TL_CACHE_DIR for one case, shaped by `shape` (the native area is linked in as is). */
function cacheWith(w: World, name: string, shape: (cacheRoot: string) => void): string {
  const root = path.join(w.root, 'caches', name);
  fs.mkdirSync(root, { recursive: true });
  const realNative = path.join(process.env.TL_CACHE_DIR ?? path.join(require('os').homedir(), '.cache', 'tl'), 'native');
  if (fs.existsSync(realNative) && !fs.existsSync(path.join(root, 'native'))) fs.symlinkSync(realNative, path.join(root, 'native'));
  shape(root);
  return root;
}

beforeAll(async () => {
  world = await makeWorld();
  const r = await runCli(['pretrain', '--data', world.data, '--out', world.run, '--epochs', '1', '--input-size', '16', '--val-split', '0.2', '--test-split', '0.2']);
  if (r.code !== 0) throw new Error(`could not make the run the cases use: ${r.stderr}`);
  // A key-folder-is-a-file cache: fill one with a real run first, then break it.
  const keyCase = cacheWith(world, 'key-file', () => {});
  const filled = await runCli(['transfer', '--base', world.run, '--data', world.data, '--out', path.join(world.root, 'o-fill'), ...tiny], { TL_CACHE_DIR: keyCase });
  if (filled.code !== 0) throw new Error(filled.stderr);
  const area = path.join(keyCase, 'activations');
  for (const k of fs.readdirSync(area)) {
    fs.rmSync(path.join(area, k), { recursive: true });
    fs.writeFileSync(path.join(area, k), 'not a folder');
  }
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  if (world) fs.rmSync(world.root, { recursive: true, force: true });
});

const tally = { cases: 0, clear: 0, exit70: 0, hangs: 0, dataLost: 0 };

afterAll(() => {
  // The closing note's counts; printed so a CI log shows them.
  process.stderr.write(`hostile cases: ${tally.cases}, clear errors ${tally.clear}, exit 70: ${tally.exit70}, hangs: ${tally.hangs}, data lost: ${tally.dataLost}\n`);
});

function runChild(args: string[], cwd: string, env: Record<string, string>): CliRun & { timedOut: boolean } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env, NO_COLOR: '1' }, encoding: 'utf8', timeout: HANG_LIMIT_MS, killSignal: 'SIGKILL' });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut: r.signal === 'SIGKILL' };
}

test('the corpus has at least 100 cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(100);
});

test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  c.setup?.(world);
  const args = c.args(world);
  const cwd = c.cwd?.(world) ?? world.root;
  const env = c.env?.(world) ?? {};
  const protectedDirs = c.preserve?.(world) ?? [];
  const before = protectedDirs.map(snapshot);
  let r: CliRun & { timedOut?: boolean };
  tally.cases++;
  if (c.spawn) r = runChild(args, cwd, env);
  else {
    const saved = process.cwd();
    process.chdir(cwd);
    try {
      r = await runCli(args, env);
    } finally {
      process.chdir(saved);
    }
  }
  if (r.timedOut) tally.hangs++;
  if (r.code === 70) tally.exit70++;
  const after = protectedDirs.map(snapshot);
  if (after.some((a, i) => JSON.stringify([...a]) !== JSON.stringify([...before[i]]))) tally.dataLost++;
  const text = `${r.stderr}\n${r.stdout}`;
  const message = typeof c.message === 'function' ? c.message(world) : c.message;
  if (message.test(text) && r.code === c.code) tally.clear++;
  expect({ code: r.code, timedOut: Boolean(r.timedOut), text }).toEqual({ code: c.code, timedOut: false, text: expect.stringMatching(message) });
  after.forEach((a, i) => expect([...a]).toEqual([...before[i]]));
  c.check?.(world, r);
});
