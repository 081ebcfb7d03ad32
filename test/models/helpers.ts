// Test fixtures for the models room: tiny real tfjs models saved to temp folders, and a local
// HTTP server on 127.0.0.1 that serves them laid out like the official tfjs-models URLs.
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { loadTf } from '../../src/native/load';

/** A tiny conv model (8x8x3 -> 3 classes) with fixed seeds. */
import { tempDir } from '../helpers/temp';
export { tempDir };

export function tinyConvModel(seed = 1) {
  const tf = loadTf();
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_a', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input);
  const bn = tf.layers.batchNormalization({ name: 'bn_a' }).apply(c1);
  const c2 = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_b', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(bn);
  const pool = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(c2);
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }).apply(pool);
  return tf.model({ inputs: input, outputs: out as never, name: 'tiny' });
}

/**
 * Saves a tiny model and splits its weights into two shards named like the official models
 * (group1-shard1of2, group1-shard2of2). Returns the folder and its files' contents.
 */
export async function savedTinyModel(): Promise<{ dir: string; files: Record<string, Buffer> }> {
  const dir = tempDir('src');
  const model = tinyConvModel();
  await model.save(`file://${dir}`);
  model.dispose();
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const weights = fs.readFileSync(path.join(dir, 'weights.bin'));
  fs.unlinkSync(path.join(dir, 'weights.bin'));
  const half = Math.floor(weights.length / 2);
  const files: Record<string, Buffer> = { 'group1-shard1of2': weights.subarray(0, half), 'group1-shard2of2': weights.subarray(half) };
  modelJson.weightsManifest[0].paths = Object.keys(files);
  files['model.json'] = Buffer.from(JSON.stringify(modelJson));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return { dir, files };
}

export interface ServedRequest {
  url: string;
  /** Absolute-form request line seen by a proxy, if any. */
  absolute: boolean;
}

/** What the server does with one path; default is to serve the file as is. */
export type Fault = 'truncate-declared' | 'truncate-consistent' | 'flip-byte' | 'missing';

export interface TestServer {
  base: string;
  requests: ServedRequest[];
  faults: Map<string, Fault>;
  close(): Promise<void>;
}

/** Serves `files` under `/<dirName>/...` on 127.0.0.1; `/redirect/<path>` answers 302 to `/<path>`. */
export async function serveModel(dirName: string, files: Record<string, Buffer>): Promise<TestServer> {
  const requests: ServedRequest[] = [];
  const faults = new Map<string, Fault>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push({ url, absolute: url.startsWith('http') });
    const p = new URL(url, 'http://x').pathname;
    if (p.startsWith('/redirect/')) {
      res.writeHead(302, { Location: p.slice('/redirect'.length) });
      res.end();
      return;
    }
    const prefix = `/${dirName}/`;
    const name = p.startsWith(prefix) ? p.slice(prefix.length) : '';
    const body = files[name];
    const fault = faults.get(name);
    if (!body || fault === 'missing') {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    if (fault === 'truncate-declared') {
      // Promise the full length, send half, then drop the connection.
      res.writeHead(200, { 'Content-Length': body.length });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    let out = body;
    if (fault === 'truncate-consistent') out = body.subarray(0, body.length - 8);
    if (fault === 'flip-byte') {
      out = Buffer.from(body);
      out[Math.floor(out.length / 2)] ^= 0xff;
    }
    res.writeHead(200, { 'Content-Length': out.length, 'Content-Type': 'application/octet-stream' });
    res.end(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Recursively lists files under dir (relative paths), for "nothing was cached" checks. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}
