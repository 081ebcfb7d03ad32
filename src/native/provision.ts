// Getting a working native TensorFlow backend into node_modules: tries each route in order
// (routes.ts: existing addon, cache, tfjs-node's download, a TensorFlow wheel, an unpacked
// libtensorflow) and stops at the first that works; every success fills the cache. Never prints.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NativeBackendError } from '../errors';
import { cacheArea } from '../cache-dir';
import { buildAddon } from './build-addon';
import { nativeFilesPresent, readStamp, TfjsNodeLayout, tfjsNodeLayoutAt } from './layout';
import { ensureTfjsNodePackage, locateTfjsNode, TfjsNodePlace } from './package-place';
import { withLock } from '../lock';
import { buildRoutes, RouteSkipped, type Route, type RouteName, type RouteOutcome } from './routes';

export { buildRoutes, RouteSkipped, ROUTE_ORDER, OFFICIAL_PROBE_TIMEOUT_MS, OFFICIAL_INSTALL_TIMEOUT_MS } from './routes';
export type { Route, RouteName, RouteOutcome } from './routes';
import { officialLibtensorflowUrl, probeUrl, runOfficialInstall } from './official';
import { verifyNativeBackend, VerifyResult } from './verify';
import { extractWheel, LogFn, pipDownloadWheel, PINNED_TENSORFLOW_VERSION, ProgressFn } from './wheel';

export interface RouteReport {
  route: RouteName;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  ms: number;
}

export type ProvisionEvent =
  | { type: 'route'; route: RouteName; status: 'trying' | 'ok' | 'skipped' | 'failed'; reason?: string }
  | { type: 'progress'; stage: 'download' | 'extract' | 'compile' | 'restore'; done: number; total: number; unit: 'bytes' | 'steps' }
  | { type: 'log'; line: string }
  | { type: 'wait'; owner: string };

/** The side-effecting steps, injectable so the route logic is tested without network or compiler. */
export interface ProvisionDeps {
  verify: (layout: TfjsNodeLayout) => Promise<VerifyResult>;
  probeOfficial: (url: string, timeoutMs: number) => Promise<void>;
  runOfficialInstall: (layout: TfjsNodeLayout, opts: { log?: LogFn; timeoutMs: number }) => Promise<void>;
  pipDownloadWheel: (destDir: string, log?: LogFn) => Promise<string>;
  extractWheel: (wheel: string, stagingDir: string, onProgress?: ProgressFn) => Promise<void>;
  buildAddon: (layout: TfjsNodeLayout, stagingDir: string, opts: { log?: LogFn; onStep?: (d: number, t: number) => void }) => Promise<void>;
}

export const realDeps: ProvisionDeps = {
  verify: (layout) => verifyNativeBackend(layout),
  probeOfficial: probeUrl,
  runOfficialInstall,
  pipDownloadWheel,
  extractWheel,
  buildAddon,
};

export interface ProvisionOptions {
  env?: NodeJS.ProcessEnv;
  /** Directory of native cache entries; default `cacheArea('native')`. */
  nativeCacheDir?: string;
  layout?: TfjsNodeLayout;
  /** Skip route a (used by `tl setup --force` to rebuild a working install from scratch). */
  ignoreExisting?: boolean;
  /**
   * Restore a cache entry without first loading it in a child process. For callers that load
   * TensorFlow themselves straight away (every computing command): the entry passed that check
   * when it was made, a second one doubles the first start-up after `npm ci` (loading takes
   * 1 s on a quiet machine, 30-60 s on a starved one), and a failed load still ends in the
   * provisioning hint, whose `tl setup` checks the files and sets a bad entry aside.
   */
  trustCache?: boolean;
  onEvent?: (e: ProvisionEvent) => void;
  deps?: Partial<ProvisionDeps>;
}

export interface ProvisionResult extends RouteOutcome {
  routes: RouteReport[];
  cacheEntry?: string;
  /** The tfjs-node package the addon and libraries were put into. */
  tfjsNodeDir: string;
  /** 'user-cache' when tl's install folder was not writable and tl keeps its copy under the cache root. */
  tfjsNodePlace: TfjsNodePlace['place'];
}

/** Runs routes in order; the first ok wins. Throws NativeBackendError naming every route tried. */
export async function runRoutes(routes: Route[], onEvent?: (e: ProvisionEvent) => void): Promise<{ outcome: RouteOutcome; reports: RouteReport[] }> {
  const reports: RouteReport[] = [];
  for (const route of routes) {
    const t0 = Date.now();
    onEvent?.({ type: 'route', route: route.name, status: 'trying' });
    try {
      const outcome = await route.run();
      reports.push({ route: route.name, status: 'ok', ms: Date.now() - t0 });
      onEvent?.({ type: 'route', route: route.name, status: 'ok' });
      return { outcome, reports };
    } catch (err) {
      const skipped = err instanceof RouteSkipped;
      const reason = (err as Error).message;
      reports.push({ route: route.name, status: skipped ? 'skipped' : 'failed', reason, ms: Date.now() - t0 });
      onEvent?.({ type: 'route', route: route.name, status: skipped ? 'skipped' : 'failed', reason });
    }
  }
  throw new NativeBackendError(
    'no route could provide the native TensorFlow backend:\n' + reports.map((r) => `  ${r.route}: ${r.status} - ${r.reason}`).join('\n'),
    [
      'What you can do:',
      `- online: make ${new URL(officialLibtensorflowUrl({})).host} reachable (or set TFJS_NODE_CDN_STORAGE to a mirror, HTTPS_PROXY for a proxy) and run \`tl setup\`;`,
      `- with pip: make \`pip download --no-deps tensorflow-cpu==${PINNED_TENSORFLOW_VERSION}\` work through your pip configuration, or download that wheel elsewhere and set TL_TENSORFLOW_WHEEL=/path/to/the.whl;`,
      '- or unpack a libtensorflow C release (lib/ and include/) and set TL_LIBTENSORFLOW_DIR to it;',
      '- compiling needs python3, make, a C++ compiler and Node headers (npm_config_nodedir).',
    ].join('\n'),
  );
}

/** Provisions the native backend (see file header). Safe to call from several processes at once. */
export async function provisionNativeBackend(opts: ProvisionOptions = {}): Promise<ProvisionResult> {
  const env = opts.env ?? process.env;
  const nativeCacheDir = opts.nativeCacheDir ?? cacheArea('native', env);
  const deps: ProvisionDeps = { ...realDeps, ...opts.deps };
  // A lock file, not the '.lock' folder older versions took (a stale one of those is harmless).
  fs.mkdirSync(nativeCacheDir, { recursive: true });
  return withLock(
    path.join(nativeCacheDir, 'provision.lock'),
    { timeoutMs: 60 * 60_000, staleMs: 2 * 60 * 60_000, onWait: (owner) => opts.onEvent?.({ type: 'wait', owner }) },
    async () => {
      // Inside the lock: two first runs must not both fetch and place the tfjs-node package.
      const log = (line: string) => opts.onEvent?.({ type: 'log', line });
      const place: TfjsNodePlace = opts.layout ? { pkgDir: opts.layout.pkgDir, place: 'installed' } : await ensureTfjsNodePackage({ env, log });
      const layout = opts.layout ?? tfjsNodeLayoutAt(place.pkgDir);
      const routes = buildRoutes(layout, nativeCacheDir, env, deps, opts.onEvent, { ignoreExisting: opts.ignoreExisting, trustCache: opts.trustCache });
      const { outcome, reports } = await runRoutes(routes, opts.onEvent);
      return { ...outcome, routes: reports, cacheEntry: readStamp(layout)?.cacheEntry, tfjsNodeDir: layout.pkgDir, tfjsNodePlace: place.place };
    },
  );
}

/**
 * Fast check used before every computing command: when the files are in place, trust them
 * (loading will say if they are broken); otherwise provision, trusting a cache entry in the
 * same way, since the caller loads TensorFlow next (see ProvisionOptions.trustCache).
 */
export async function ensureNativeBackend(opts: ProvisionOptions = {}): Promise<ProvisionResult | undefined> {
  const found = opts.layout?.pkgDir ?? locateTfjsNode({ env: opts.env })?.pkgDir;
  if (found && nativeFilesPresent(opts.layout ?? tfjsNodeLayoutAt(found))) return undefined;
  return provisionNativeBackend({ trustCache: true, ...opts });
}

export function describeMachine(): { cpus: number; platform: string; arch: string; node: string } {
  return { cpus: os.cpus().length, platform: process.platform, arch: process.arch, node: process.version };
}
