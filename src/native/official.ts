// tfjs-node's own route: libtensorflow and a prebuilt addon from its download host, honouring
// the mirror settings tfjs-node honours. A short reachability probe makes it fail fast offline.
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { TfjsNodeLayout } from './layout';
import { LogFn, runCommand } from './wheel';

export const OFFICIAL_LIBTENSORFLOW_VERSION = '2.9.1';
const DEFAULT_HOST = 'https://storage.googleapis.com/';

/**
 * The libtensorflow archive URL tfjs-node 4.x would download on linux-x64 CPU, from the same
 * variables its install script reads (TFJS_NODE_CDN_STORAGE, TFJS_NODE_BASE_URI, their npm_config_
 * forms, CDN_STORAGE) and scripts/custom-binary.json. Pure given env and the custom file's content.
 */
export function officialLibtensorflowUrl(env: NodeJS.ProcessEnv, customTfLib?: string, platform = process.platform, arch = process.arch): string {
  if (customTfLib) return customTfLib;
  const host = env.TFJS_NODE_CDN_STORAGE || env.npm_config_TFJS_NODE_CDN_STORAGE || env.npm_config_tfjs_node_cdn_storage || env.CDN_STORAGE || DEFAULT_HOST;
  const baseUri =
    env.TFJS_NODE_BASE_URI || env.npm_config_TFJS_NODE_BASE_URI || env.npm_config_tfjs_node_base_uri || `${host}tensorflow/libtensorflow/libtensorflow-`;
  const sys = `cpu-${platform === 'win32' ? 'windows' : platform}-${arch === 'x64' ? 'x86_64' : arch}`;
  const ext = platform === 'win32' ? 'zip' : 'tar.gz';
  return `${baseUri}${sys}-${OFFICIAL_LIBTENSORFLOW_VERSION}.${ext}`;
}

export function readCustomTfLib(layout: TfjsNodeLayout): string | undefined {
  const f = path.join(layout.pkgDir, 'scripts', 'custom-binary.json');
  try {
    return (JSON.parse(fs.readFileSync(f, 'utf8')) as { 'tf-lib'?: string })['tf-lib'];
  } catch {
    return undefined;
  }
}

export function proxyFor(env: NodeJS.ProcessEnv): string | undefined {
  return env.HTTPS_PROXY || env.https_proxy || env.npm_config_https_proxy || env.HTTP_PROXY || env.http_proxy || env.npm_config_proxy || undefined;
}

/**
 * Resolves when the URL's host answers an HTTP request within timeoutMs (any status below 500),
 * rejects with the reason otherwise. Without a proxy this is a direct HEAD request.
 */
export function probeUrl(url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.request(url, { method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      if ((res.statusCode ?? 500) < 500 && res.statusCode !== 404) resolve();
      else reject(new Error(`${url} answered HTTP ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${new URL(url).host} within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(`${new URL(url).host} unreachable (${e.code ?? e.message})`)));
    req.end();
  });
}

/**
 * Runs tfjs-node's own scripts/install.js (download libtensorflow, then prebuilt addon or a
 * build). Its deps/ ends up holding libtensorflow 2.9.1 and the addon in lib/napi-vN.
 */
export async function runOfficialInstall(layout: TfjsNodeLayout, opts: { log?: LogFn; timeoutMs: number }): Promise<void> {
  const binDirs = [path.join(layout.pkgDir, 'node_modules', '.bin'), path.resolve(layout.pkgDir, '..', '..', '.bin')];
  const env = { ...process.env, PATH: [...binDirs, process.env.PATH ?? ''].join(path.delimiter) };
  const r = await runCommand(process.execPath, [path.join(layout.pkgDir, 'scripts', 'install.js')], {
    cwd: layout.pkgDir,
    env,
    log: opts.log,
    timeoutMs: opts.timeoutMs,
  });
  if (r.code !== 0 || !fs.existsSync(layout.addonPath)) {
    throw new Error(`tfjs-node's install script failed (exit ${r.code}): ${r.output.trim().split('\n').slice(-2).join(' ').slice(0, 300)}`);
  }
}
