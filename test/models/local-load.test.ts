// Loading a model folder from disk never reads outside it: weight paths that climb out, symlinks
// that lead out, and weight files of the wrong length are refused (exit 4) by every command that
// reads a local model (predict, transfer --base, models show, models import).
import * as fs from 'fs';
import * as path from 'path';
import { loadTf } from '../../src/native/load';
import { ModelError } from '../../src/errors';
import { importModel, readRunDirectory, resolveBase } from '../../src/models';
import { runCli } from '../helpers/cli';
import { colourPng, makeColourRun, makeColourFolder } from '../helpers/colour-run';
import { listFiles, tempDir } from './helpers';

const tf = loadTf();
let work: string;
let run: string; // a complete tl run directory (model.json + weights.bin + labels + tl.json)
let data: string;
let image: string;

beforeAll(async () => {
  work = tempDir('local-load');
  data = path.join(work, 'data');
  await makeColourFolder(data, 2, false);
  image = path.join(work, 'one.png');
  await colourPng(image, 0, 5);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

let case_ = 0;
/** A fresh copy of the colour run directory, inside its own folder of `work`. */
async function freshRun(): Promise<string> {
  const dir = path.join(work, `case${++case_}`, 'run');
  if (!run) {
    run = path.join(work, 'template');
    await makeColourRun(run, data);
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.cpSync(run, dir, { recursive: true });
  return dir;
}

function setWeightPaths(dir: string, paths: string[]): void {
  const file = path.join(dir, 'model.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  m.weightsManifest[0].paths = paths;
  fs.writeFileSync(file, JSON.stringify(m));
}

/** Moves weights.bin out of the run directory and points model.json at it with `../outside/x.bin`. */
async function runWithClimbingPath(): Promise<string> {
  const dir = await freshRun();
  const outside = path.join(path.dirname(dir), 'outside');
  fs.mkdirSync(outside);
  fs.renameSync(path.join(dir, 'weights.bin'), path.join(outside, 'x.bin'));
  setWeightPaths(dir, ['../outside/x.bin']);
  return dir;
}

/** Keeps the weights outside and leaves a symlink to them in the run directory. */
async function runWithSymlinkedWeights(): Promise<string> {
  const dir = await freshRun();
  const outside = path.join(path.dirname(dir), 'elsewhere.bin');
  fs.renameSync(path.join(dir, 'weights.bin'), outside);
  fs.symlinkSync(outside, path.join(dir, 'weights.bin'));
  return dir;
}

test('a weight path that climbs out of the folder is refused by every loader, naming model.json and the path', async () => {
  expect(tf.getBackend()).toBe('tensorflow');
  const dir = await runWithClimbingPath();
  const modelJson = path.join(dir, 'model.json');
  for (const load of [() => readRunDirectory(dir), () => resolveBase(dir), () => resolveBase(modelJson)]) {
    const err = await load().then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toContain(modelJson);
    expect(err.message).toContain('../outside/x.bin');
  }
  const predict = await runCli(['predict', '--model', dir, image, '--json']);
  expect(predict.code).toBe(4);
  expect(predict.stderr).toContain('../outside/x.bin');
  const show = await runCli(['models', 'show', dir]);
  expect(show.code).toBe(4);
  expect(show.stderr).toContain(modelJson);
  const out = path.join(work, `transfer-out-${case_}`);
  const transfer = await runCli(['transfer', '--base', modelJson, '--data', data, '--out', out, '--epochs', '1', '--fine-tune-epochs', '0']);
  expect(transfer.code).toBe(4);
  expect(transfer.stderr).toContain('../outside/x.bin');
  expect(fs.existsSync(out)).toBe(false);
});

test('a symlinked weight file that leads out of the folder is refused, naming where it leads', async () => {
  const dir = await runWithSymlinkedWeights();
  const err = await readRunDirectory(dir).then(() => undefined, (e) => e);
  expect(err).toBeInstanceOf(ModelError);
  expect(err.message).toContain(path.join(dir, 'model.json'));
  expect(err.message).toContain('weights.bin');
  expect(err.message).toContain(path.join(path.dirname(dir), 'elsewhere.bin'));
  const r = await runCli(['predict', '--model', dir, image]);
  expect(r.code).toBe(4);
  expect(r.stderr).toMatch(/outside/);
});

test('a symlinked folder (to /etc) inside the model folder cannot be used to read /etc/passwd', async () => {
  const dir = await freshRun();
  fs.symlinkSync('/etc', path.join(dir, 'etc'));
  setWeightPaths(dir, ['etc/passwd']);
  const r = await runCli(['models', 'show', dir]);
  expect(r.code).toBe(4);
  expect(r.stderr).toContain('etc/passwd');
  expect(r.stderr).toMatch(/outside/);
  // The literal escape is refused before anything is opened.
  setWeightPaths(dir, ['../../../../etc/passwd']);
  const r2 = await runCli(['models', 'show', path.join(dir, 'model.json')]);
  expect(r2.code).toBe(4);
  expect(r2.stderr).toContain('../../../../etc/passwd');
});

test('a symlink that stays inside the folder still loads', async () => {
  const dir = await freshRun();
  fs.renameSync(path.join(dir, 'weights.bin'), path.join(dir, 'real.bin'));
  fs.symlinkSync('real.bin', path.join(dir, 'weights.bin'));
  const r = await readRunDirectory(dir);
  expect(r.labels).toEqual(['blue', 'green', 'red']);
  r.model.dispose();
});

test('a weight file longer or shorter than model.json declares is refused with both sizes', async () => {
  const dir = await freshRun();
  const weights = path.join(dir, 'weights.bin');
  const good = fs.readFileSync(weights);
  fs.writeFileSync(weights, Buffer.concat([good, Buffer.alloc(8)]));
  const longer = await runCli(['predict', '--model', dir, image]);
  expect(longer.code).toBe(4);
  expect(longer.stderr).toContain(`${good.length + 8} bytes`);
  expect(longer.stderr).toContain(`declares ${good.length}`);
  fs.writeFileSync(weights, good.subarray(0, good.length - 4));
  const shorter = await runCli(['predict', '--model', dir, image]);
  expect(shorter.code).toBe(4);
  expect(shorter.stderr).toContain(`${good.length - 4} bytes`);
  expect(shorter.stderr).toContain(`declares ${good.length}`);
});

test('models import refuses a folder whose weights are a symlink leading outside it', async () => {
  const dir = await runWithSymlinkedWeights();
  const cacheDir = tempDir('import-cache');
  try {
    const err = await importModel('https://example.invalid/m/model.json', dir, { cacheDir }).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toMatch(/outside/);
    expect(listFiles(cacheDir)).toEqual([]);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});
