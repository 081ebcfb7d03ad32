// The real download code, offline: a local HTTP server on 127.0.0.1 serves a tiny tfjs model laid
// out like the official tfjs-models URLs; checks caching, verification, errors, redirects, proxies.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { loadTf } from '../../src/native/load';
import { ModelError } from '../../src/errors';
import { importModel, listZoo, loadZoo, pullModel, resolveBase, type Zoo } from '../../src/models';
import { getToFile, proxyFor } from '../../src/models/http';
import { sha256Hex } from '../../src/models/manifest';
import { listFiles, savedTinyModel, serveModel, tempDir, type TestServer } from './helpers';

const NAME = 'mobilenet-v1-0.25-128';
const DIR_NAME = 'mobilenet_v1_0.25_128';
const DEAD = 'http://127.0.0.1:1'; // nothing listens on port 1: connection refused at once

let saved: { dir: string; files: Record<string, Buffer> };
let server: TestServer;
let cacheDir: string;
const tf = loadTf();
const cleanups: string[] = [];

beforeAll(async () => {
  saved = await savedTinyModel();
  cleanups.push(saved.dir);
  server = await serveModel(DIR_NAME, saved.files);
});
afterAll(async () => {
  await server.close();
  for (const d of cleanups) fs.rmSync(d, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = tempDir('cache');
  cleanups.push(cacheDir);
  server.requests.length = 0;
  server.faults.clear();
});

async function predictionsOf(model: import('@tensorflow/tfjs-node').LayersModel): Promise<Float32Array> {
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 7);
  const y = model.predict(x) as import('@tensorflow/tfjs-node').Tensor;
  const d = y.dataSync() as Float32Array;
  x.dispose();
  y.dispose();
  return d;
}

test('a zoo model is downloaded once, verified, cached, then read without the network', async () => {
  expect(tf.getBackend()).toBe('tensorflow');
  const events: { stage: string; done: number; total: number }[] = [];
  const first = await resolveBase(NAME, { cacheDir, baseUrl: server.base, onProgress: (e) => events.push(e) });
  expect(server.requests.map((r) => r.url).sort()).toEqual([`/${DIR_NAME}/group1-shard1of2`, `/${DIR_NAME}/group1-shard2of2`, `/${DIR_NAME}/model.json`]);
  expect(first.info).toMatchObject({ name: NAME, featureLayer: 'conv_pw_13_relu', input: { height: 128, width: 128, channels: 3, preprocessing: { kind: 'scaleMinus1To1' } } });
  const weightBytes = saved.files['group1-shard1of2'].length + saved.files['group1-shard2of2'].length;
  const last = events.filter((e) => e.stage === 'weights').pop()!;
  expect(last).toEqual({ stage: 'weights', done: weightBytes, total: weightBytes });
  expect(listFiles(cacheDir)).toEqual([`${NAME}/group1-shard1of2`, `${NAME}/group1-shard2of2`, `${NAME}/model.json`, `${NAME}/tl-source.json`]);

  const original = await tf.loadLayersModel(`file://${path.join(saved.dir, 'model.json')}`);
  const expected = await predictionsOf(original);
  expect(Array.from(await predictionsOf(first.model))).toEqual(Array.from(expected));

  // Second load: no request at all, even with the server address pointing nowhere.
  const before = server.requests.length;
  const second = await resolveBase(NAME, { cacheDir, baseUrl: DEAD });
  expect(server.requests.length).toBe(before);
  expect(Array.from(await predictionsOf(second.model))).toEqual(Array.from(expected));
  [original, first.model, second.model].forEach((m) => m.dispose());
});

test('TL_MODEL_BASE_URL overrides the registry base URL', async () => {
  const { model } = await resolveBase(NAME, { cacheDir, env: { TL_MODEL_BASE_URL: `${server.base}/` } });
  expect(server.requests.length).toBe(3);
  model.dispose();
});

test('a body cut short of its Content-Length is detected and nothing is cached', async () => {
  server.faults.set('group1-shard2of2', 'truncate-declared');
  const err = await resolveBase(NAME, { cacheDir, baseUrl: server.base }).catch((e) => e);
  expect(err).toBeInstanceOf(ModelError);
  expect(err.message).toMatch(/interrupted|truncated/);
  expect(listFiles(cacheDir)).toEqual([]);
});

test('a weight file that cannot be written fails the download with the file error, not an uncaught one', async () => {
  // A directory that does not exist: the file stream errors on open, with the body in flight.
  const file = path.join(cacheDir, 'no-such-dir', 'group1-shard1of2');
  await expect(getToFile(`${server.base}/${DIR_NAME}/group1-shard1of2`, file, () => undefined)).rejects.toThrow(/ENOENT/);
  expect(fs.existsSync(file)).toBe(false);
});

test('a shard shorter than model.json declares is detected and nothing is cached', async () => {
  server.faults.set('group1-shard1of2', 'truncate-consistent');
  const err = await resolveBase(NAME, { cacheDir, baseUrl: server.base }).catch((e) => e);
  expect(err).toBeInstanceOf(ModelError);
  expect(err.message).toMatch(/failed verification.*declares/);
  expect(listFiles(cacheDir)).toEqual([]);
});

test('a corrupted shard with the right size fails the registry hash and is not cached', async () => {
  const zoo = loadZoo();
  const files = Object.fromEntries(Object.entries(saved.files).map(([n, b]) => [n, { bytes: b.length, sha256: sha256Hex(b) }]));
  const hashed: Zoo = {
    ...zoo,
    models: zoo.models.map((m) => (m.name === NAME ? { ...m, source: { kind: 'url' as const, path: `${DIR_NAME}/model.json`, files } } : m)),
  };
  server.faults.set('group1-shard2of2', 'flip-byte');
  const err = await resolveBase(NAME, { cacheDir, baseUrl: server.base, zoo: hashed }).catch((e) => e);
  expect(err).toBeInstanceOf(ModelError);
  expect(err.message).toMatch(/group1-shard2of2 has SHA-256 [0-9a-f]{64}, expected/);
  expect(listFiles(cacheDir)).toEqual([]);
  // The same registry hashes accept the intact files.
  server.faults.clear();
  const ok = await resolveBase(NAME, { cacheDir, baseUrl: server.base, zoo: hashed });
  ok.model.dispose();
});

test('no network and no cache: the error names the URL, the cache path, pull, import and the offline base', async () => {
  const err = await resolveBase('mobilenet', { cacheDir, baseUrl: DEAD, connectTimeoutMs: 2000 }).catch((e) => e);
  expect(err).toBeInstanceOf(ModelError);
  const text = `${err.message}\n${err.hint}`;
  expect(text).toContain(`${DEAD}/mobilenet_v1_1.0_224/model.json`);
  expect(text).toContain(path.join(cacheDir, 'mobilenet-v1-1.0-224'));
  expect(text).toContain('tl models pull mobilenet-v1-1.0-224');
  expect(text).toContain('tl models import mobilenet-v1-1.0-224 <dir>');
  expect(text).toContain('mobilenet-v2-nsfwjs');
  expect(text).toMatch(/ECONNREFUSED/);
});

test('redirects are followed and shards resolve relative to the final model.json URL', async () => {
  const { model } = await resolveBase(NAME, { cacheDir, baseUrl: `${server.base}/redirect` });
  const urls = server.requests.map((r) => r.url);
  expect(urls).toContain(`/redirect/${DIR_NAME}/model.json`);
  expect(urls).toContain(`/${DIR_NAME}/group1-shard1of2`);
  model.dispose();
});

test('a damaged cache entry is fetched again', async () => {
  (await resolveBase(NAME, { cacheDir, baseUrl: server.base })).model.dispose();
  const shard = path.join(cacheDir, NAME, 'group1-shard1of2');
  fs.writeFileSync(shard, fs.readFileSync(shard).subarray(0, 10));
  server.requests.length = 0;
  (await resolveBase(NAME, { cacheDir, baseUrl: server.base })).model.dispose();
  expect(server.requests.length).toBe(3);
  expect(fs.statSync(shard).size).toBe(saved.files['group1-shard1of2'].length);
});

test('http(s) URL bases are cached like zoo models, with a guessed feature layer', async () => {
  const url = `${server.base}/${DIR_NAME}/model.json`;
  const a = await resolveBase(url, { cacheDir });
  expect(a.info.featureLayer).toBe('conv_b'); // the layer feeding global average pooling
  expect(a.info.input).toMatchObject({ height: 8, width: 8, channels: 3 });
  const n = server.requests.length;
  const b = await resolveBase(url, { cacheDir });
  expect(server.requests.length).toBe(n);
  a.model.dispose();
  b.model.dispose();
});

test('HTTP_PROXY is honoured (request goes to the proxy in absolute form)', async () => {
  // A local proxy that maps the made-up host to the test server; no other address is contacted.
  const seen: string[] = [];
  const proxy = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    const target = new URL(req.url ?? '/');
    const upstream = http.get(`${server.base}${target.pathname}`, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const port = (proxy.address() as AddressInfo).port;
  try {
    const env = { HTTP_PROXY: `http://127.0.0.1:${port}` };
    const { model } = await resolveBase(NAME, { cacheDir, baseUrl: 'http://models.invalid', env });
    expect(seen).toContain(`http://models.invalid/${DIR_NAME}/model.json`);
    expect(seen.length).toBe(3);
    model.dispose();
  } finally {
    await new Promise<void>((r) => proxy.close(() => r()));
  }
});

test('proxyFor honours NO_PROXY and never proxies loopback', () => {
  const env = { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'internal.example,.corp:8443' };
  expect(proxyFor(new URL('https://a.example/x'), env)?.href).toBe('http://proxy:3128/');
  expect(proxyFor(new URL('https://internal.example/x'), env)).toBeUndefined();
  expect(proxyFor(new URL('https://x.corp:8443/x'), env)).toBeUndefined();
  expect(proxyFor(new URL('https://x.corp/x'), env)?.host).toBe('proxy:3128');
  expect(proxyFor(new URL('http://a.example/x'), env)).toBeUndefined(); // no HTTP_PROXY set
  expect(proxyFor(new URL('https://127.0.0.1:9/x'), env)).toBeUndefined();
  expect(proxyFor(new URL('https://a.example/x'), { https_proxy: 'proxy:1', NO_PROXY: '*' })).toBeUndefined();
});

test('pull downloads once; import seeds the cache from a folder and is then used offline', async () => {
  const p1 = await pullModel(NAME, { cacheDir, baseUrl: server.base });
  expect(p1).toMatchObject({ name: NAME, downloaded: true, cachePath: path.join(cacheDir, NAME) });
  const p2 = await pullModel(NAME, { cacheDir, baseUrl: server.base });
  expect(p2.downloaded).toBe(false);
  expect(server.requests.length).toBe(3);

  const other = tempDir('cache2');
  cleanups.push(other);
  const imported = await importModel(NAME, saved.dir, { cacheDir: other });
  expect(imported.cachePath).toBe(path.join(other, NAME));
  const { model } = await resolveBase(NAME, { cacheDir: other, baseUrl: DEAD });
  model.dispose();
  await expect(importModel(NAME, saved.dir, { cacheDir: other })).rejects.toThrow(/already holds an intact copy/);
  await expect(importModel('mobilenet-v2-nsfwjs', saved.dir, { cacheDir: other })).rejects.toThrow(/works offline/);
});

test('import refuses a folder with a missing or short weight file and leaves the cache alone', async () => {
  const broken = tempDir('broken');
  cleanups.push(broken);
  fs.writeFileSync(path.join(broken, 'model.json'), saved.files['model.json']);
  fs.writeFileSync(path.join(broken, 'group1-shard1of2'), saved.files['group1-shard1of2']);
  await expect(importModel(NAME, broken, { cacheDir })).rejects.toThrow(/group1-shard2of2 listed in .* is missing/);
  fs.writeFileSync(path.join(broken, 'group1-shard2of2'), saved.files['group1-shard2of2'].subarray(4));
  await expect(importModel(NAME, broken, { cacheDir })).rejects.toThrow(/truncated/);
  expect(listFiles(cacheDir)).toEqual([]);
});

test('list reports cache status per zoo model', async () => {
  await pullModel(NAME, { cacheDir, baseUrl: server.base });
  const rows = await listZoo({ cacheDir, baseUrl: server.base });
  expect(rows.length).toBe(18);
  expect(rows.find((r) => r.name === NAME)?.status).toBe('cached');
  expect(rows.find((r) => r.name === 'mobilenet')).toMatchObject({ aliasOf: 'mobilenet-v1-1.0-224', status: 'not cached' });
  expect(rows.find((r) => r.name === 'mobilenet-v2-nsfwjs')?.status).toBe('offline');
});
