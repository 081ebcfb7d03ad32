// `tl models ...` against a temp cache and a local HTTP server: exit codes, JSON on stdout,
// messages on stderr. `models list` goes through bin/tl (the compiled dist/, as `npm test` builds
// it first); the commands that load TensorFlow run in-process, which saves a 25-60 s TensorFlow
// start-up per call on a loaded machine.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../helpers/cli';
import { listFiles, savedTinyModel, serveModel, tempDir, type TestServer } from './helpers';


const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'tl');

let server: TestServer;
let saved: { dir: string; files: Record<string, Buffer> };
let cache: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** bin/tl in a child process. */
function tlProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, TL_CACHE_DIR: cache, TL_MODEL_BASE_URL: server.base, NO_COLOR: '1', TF_CPP_MIN_LOG_LEVEL: '2', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same command in this process, with the same environment. */
function tl(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCli(args, { TL_CACHE_DIR: cache, TL_MODEL_BASE_URL: server.base, NO_COLOR: '1', ...env });
}

beforeAll(async () => {
  saved = await savedTinyModel();
  server = await serveModel('mobilenet_v1_0.50_160', saved.files);
  cache = tempDir('cli-cache');
});
afterAll(async () => {
  await server.close();
  fs.rmSync(saved.dir, { recursive: true, force: true });
  fs.rmSync(cache, { recursive: true, force: true });
});

test('models list --json: every zoo entry with its status, nothing cached yet', async () => {
  const r = await tlProcess(['models', 'list', '--json']);
  expect(r.code).toBe(0);
  const { models } = JSON.parse(r.stdout);
  expect(models).toHaveLength(18);
  expect(models.find((m: { name: string }) => m.name === 'mobilenet-v1-0.50-160')).toMatchObject({ status: 'not cached', url: `${server.base}/mobilenet_v1_0.50_160/model.json` });
  const text = await tl(['models', 'list']);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^mobilenet-v2-nsfwjs\s+224x224x3\s+offline\s+block_13_expand_relu$/m);
  expect(text.stdout).toContain('mobilenet = mobilenet-v1-1.0-224: ');
});

test('models pull downloads with progress, then reports the cached copy', async () => {
  const r = await tl(['models', 'pull', 'mobilenet-v1-0.50-160']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/Downloaded mobilenet-v1-0.50-160 .* verified, stored in /);
  expect(r.stderr).toMatch(/Downloading mobilenet-v1-0.50-160: \d+\/\d+/); // plain progress lines when not a terminal
  expect(listFiles(path.join(cache, 'models'))).toContain('mobilenet-v1-0.50-160/model.json');
  const again = await tl(['models', 'pull', 'mobilenet-v1-0.50-160', '--json']);
  expect(JSON.parse(again.stdout)).toMatchObject({ name: 'mobilenet-v1-0.50-160', downloaded: false });
});

test('models show prints layers with shapes, params and trainable flags', async () => {
  const r = await tl(['models', 'show', 'mobilenet-v1-0.50-160', '--json']);
  expect(r.code).toBe(0);
  const { info, summary } = JSON.parse(r.stdout);
  expect(info.featureLayer).toBe('conv_pw_13_relu');
  expect(summary.layers.map((l: { name: string }) => l.name)).toEqual(['image', 'conv_a', 'bn_a', 'conv_b', 'pool', 'logits']);
  expect(summary.layers[3]).toMatchObject({ className: 'Conv2D', outputShape: [null, 8, 8, 6], params: 3 * 3 * 4 * 6 + 6, trainable: true });
  const text = await tl(['models', 'show', 'mobilenet-v1-0.50-160']);
  expect(text.stdout).toMatch(/^\s*3\s+conv_b\s+Conv2D\s+\[N, 8, 8, 6\]\s+222\s+yes$/m);
  expect(text.stdout).toMatch(/parameters: [\d,]+ total/);
});

test('an unknown name and an unreachable, uncached base fail with the model exit code and a fix', async () => {
  const unknown = await tl(['models', 'show', 'mobilenet-v3']);
  expect(unknown.code).toBe(4);
  expect(unknown.stderr).toMatch(/unknown base 'mobilenet-v3'.*nearest zoo names: .*mobilenet/);
  const offline = await tl(['models', 'pull', 'mobilenet-v1-0.25-224'], { TL_MODEL_BASE_URL: 'http://127.0.0.1:1' });
  expect(offline.code).toBe(4);
  expect(offline.stderr).toContain('http://127.0.0.1:1/mobilenet_v1_0.25_224/model.json');
  expect(offline.stderr).toContain('tl models import mobilenet-v1-0.25-224 <dir>');
  expect(offline.stderr).toContain('--base mobilenet-v2-nsfwjs');
});

test('models import copies a folder into the cache; a bad folder exits 4', async () => {
  const r = await tl(['models', 'import', 'mobilenet-v1-0.75-192', saved.dir, '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ name: 'mobilenet-v1-0.75-192', cachePath: path.join(cache, 'models', 'mobilenet-v1-0.75-192') });
  const bad = await tl(['models', 'import', 'mobilenet-v1-0.75-128', path.join(saved.dir, 'nope')]);
  expect(bad.code).toBe(4);
  expect(bad.stderr).toMatch(/is not a folder/);
});
