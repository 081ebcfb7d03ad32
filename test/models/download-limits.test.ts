// Downloads that misbehave: a weights file far larger than model.json declares is cut off at the
// declared size (never written in full), a stalled body is reported as a timeout, model.json has a
// size cap, and a long multi-chunk, many-shard download adds no listeners per chunk or request.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { ModelError } from '../../src/errors';
import { pullModel } from '../../src/models';
import { downloadModelToCache } from '../../src/models/cache';
import { getBuffer, getToFile } from '../../src/models/http';
import { runCli } from '../helpers/cli';
import { listFiles, savedTinyModel, tempDir } from './helpers';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Server {
  base: string;
  /** Bytes the server managed to hand to the socket, per path. */
  sent: Map<string, number>;
  close(): Promise<void>;
}

/** A server on 127.0.0.1 answering each path with its handler (404 otherwise). */
async function serve(handlers: Record<string, Handler>): Promise<Server> {
  const sockets = new Set<import('net').Socket>();
  const server = http.createServer((req, res) => {
    const h = handlers[new URL(req.url ?? '/', 'http://x').pathname];
    if (!h) {
      res.writeHead(404);
      res.end();
      return;
    }
    h(req, res);
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent: new Map(),
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

const fixed = (body: Buffer): Handler => (_req, res) => {
  res.writeHead(200, { 'Content-Length': body.length });
  res.end(body);
};

/** Streams zeros (no Content-Length) up to `limit` bytes, honouring back-pressure; counts what it sent. */
const endless = (server: () => Server, name: string, limit: number): Handler => (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
  const chunk = Buffer.alloc(64 * 1024);
  let sent = 0;
  const pump = () => {
    while (sent < limit) {
      sent += chunk.length;
      server().sent.set(name, sent);
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => (sent = limit));
  pump();
};

let saved: { dir: string; files: Record<string, Buffer> };
const cleanups: string[] = [];
beforeAll(async () => {
  saved = await savedTinyModel();
  cleanups.push(saved.dir);
});
afterAll(() => {
  for (const d of cleanups) fs.rmSync(d, { recursive: true, force: true });
});
function freshDir(prefix: string): string {
  const d = tempDir(prefix);
  cleanups.push(d);
  return d;
}

test('a weights file far larger than declared is cut off near the declared size and nothing is kept', async () => {
  const LIMIT = 128 * 1024 * 1024;
  let server: Server;
  server = await serve({
    '/m/model.json': fixed(saved.files['model.json']),
    '/m/group1-shard1of2': fixed(saved.files['group1-shard1of2']),
    '/m/group1-shard2of2': endless(() => server, 'shard2', LIMIT),
  });
  const cacheDir = freshDir('big');
  try {
    const declared = saved.files['group1-shard1of2'].length + saved.files['group1-shard2of2'].length;
    const err = await downloadModelToCache(`${server.base}/m/model.json`, path.join(cacheDir, 'm')).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toContain('group1-shard2of2');
    expect(err.message).toContain(`${declared - saved.files['group1-shard1of2'].length} bytes`);
    // Socket buffers hold a few MB at most; reading on to the end would send all 128 MB.
    expect(server.sent.get('shard2')).toBeLessThan(16 * 1024 * 1024);
    expect(listFiles(cacheDir)).toEqual([]);
  } finally {
    await server.close();
  }
});

test('getToFile never writes more than maxBytes, and refuses a declared Content-Length above it at once', async () => {
  let server: Server;
  server = await serve({
    '/big': endless(() => server, 'big', 64 * 1024 * 1024),
    '/liar': (_req, res) => {
      res.writeHead(200, { 'Content-Length': 1 << 30 });
      res.write(Buffer.alloc(10)); // then nothing: only a size check on the header answers quickly
    },
  });
  const dir = freshDir('tofile');
  try {
    const file = path.join(dir, 'x');
    await expect(getToFile(`${server.base}/big`, file, () => undefined, { maxBytes: 100_000 })).rejects.toThrow(/more than 100000 bytes/);
    expect(fs.statSync(file).size).toBeLessThanOrEqual(100_000);
    await expect(getToFile(`${server.base}/liar`, file, () => undefined, { maxBytes: 100_000, idleTimeoutMs: 20_000 })).rejects.toThrow(/1073741824 bytes.*more than 100000/);
    // model.json goes through getBuffer with its own cap.
    await expect(getBuffer(`${server.base}/liar`, 1000, { idleTimeoutMs: 20_000 })).rejects.toThrow(/1073741824 bytes.*more than 1000/);
  } finally {
    await server.close();
  }
});

test('a body that stalls is reported as a timeout with the idle time, not "aborted"', async () => {
  const server = await serve({
    '/stall': (_req, res) => {
      res.writeHead(200, { 'Content-Length': 1000 });
      res.write(Buffer.alloc(1));
    },
  });
  const dir = freshDir('stall');
  try {
    const err = await getToFile(`${server.base}/stall`, path.join(dir, 'x'), () => undefined, { idleTimeoutMs: 300 }).then(() => undefined, (e) => e);
    expect(err.message).toMatch(/timed out/);
    expect(err.message).toContain('0.3 s');
    expect(err.message).toContain('after 1 byte');
    expect(err.message).not.toMatch(/aborted/);
    const err2 = await getBuffer(`${server.base}/stall`, 10_000, { idleTimeoutMs: 300 }).then(() => undefined, (e) => e);
    expect(err2.message).toMatch(/timed out.*0\.3 s/);
  } finally {
    await server.close();
  }
});

test('bin/tl models pull of a many-chunk, many-shard model prints no MaxListenersExceededWarning', async () => {
  // Node prints the warning on the real process's stderr; jest's sandbox cannot listen for it,
  // so the download runs in a child process. One 4 MB shard (many chunks into one file
  // stream) and 31 small ones (many requests on one kept-alive connection); pull only checks
  // sizes, so the weights need not make a loadable model.
  const small = 64 * 1024;
  const files: Record<string, Buffer> = { 'shard-big': Buffer.alloc(4 * 1024 * 1024, 1) };
  for (let i = 1; i <= 31; i++) files[`shard-${i}`] = Buffer.alloc(small, i);
  const modelJson = {
    modelTopology: JSON.parse(saved.files['model.json'].toString('utf8')).modelTopology,
    weightsManifest: [{ paths: Object.keys(files), weights: [
      { name: 'w1', shape: [1024, 1024], dtype: 'float32' },
      { name: 'w2', shape: [31, small / 4], dtype: 'float32' },
    ] }],
  };
  const handlers: Record<string, Handler> = { '/mobilenet_v1_0.25_128/model.json': fixed(Buffer.from(JSON.stringify(modelJson))) };
  for (const [name, body] of Object.entries(files)) handlers[`/mobilenet_v1_0.25_128/${name}`] = fixed(body);
  const server = await serve(handlers);
  const cache = freshDir('leak');
  try {
    const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'tl'), 'models', 'pull', 'mobilenet-v1-0.25-128'], {
      env: { ...process.env, TL_CACHE_DIR: cache, TL_MODEL_BASE_URL: server.base, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).not.toMatch(/MaxListenersExceededWarning|Warning:/);
    expect(code).toBe(0);
    expect(listFiles(path.join(cache, 'models'))).toContain('mobilenet-v1-0.25-128/shard-big');
  } finally {
    await server.close();
  }
});

test('tl models pull of an oversized model: exit 4, the declared size, and a handful of progress lines', async () => {
  let server: Server;
  server = await serve({
    '/mobilenet_v1_0.25_128/model.json': fixed(saved.files['model.json']),
    '/mobilenet_v1_0.25_128/group1-shard1of2': fixed(saved.files['group1-shard1of2']),
    '/mobilenet_v1_0.25_128/group1-shard2of2': endless(() => server, 'shard2', 32 * 1024 * 1024),
  });
  const cache = freshDir('cli');
  try {
    const r = await runCli(['models', 'pull', 'mobilenet-v1-0.25-128'], { TL_CACHE_DIR: cache, TL_MODEL_BASE_URL: server.base, NO_COLOR: '1' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/group1-shard2of2 .*more than .*declares/);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Downloading')).length).toBeLessThanOrEqual(3);
    expect(listFiles(path.join(cache, 'models'))).toEqual([]);
  } finally {
    await server.close();
  }
});

test('the progress of a pull is a few plain lines even when the bytes overshoot the total', async () => {
  const { Output } = await import('../../src/cli/output');
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return true;
  });
  try {
    const bar = new Output({ json: false, verbose: false, isTTY: false }).progress('Downloading x', 1000);
    for (let done = 0; done <= 100_000; done += 10) bar.update(done);
    bar.stop();
  } finally {
    spy.mockRestore();
  }
  expect(lines.length).toBeGreaterThanOrEqual(1);
  expect(lines.length).toBeLessThanOrEqual(3);
});

test('pullModel on a registry entry still works end to end (control)', async () => {
  const server = await serve({
    '/mobilenet_v1_0.25_128/model.json': fixed(saved.files['model.json']),
    '/mobilenet_v1_0.25_128/group1-shard1of2': fixed(saved.files['group1-shard1of2']),
    '/mobilenet_v1_0.25_128/group1-shard2of2': fixed(saved.files['group1-shard2of2']),
  });
  const cacheDir = freshDir('ok');
  try {
    const r = await pullModel('mobilenet-v1-0.25-128', { cacheDir, baseUrl: server.base });
    expect(r.downloaded).toBe(true);
  } finally {
    await server.close();
  }
});
