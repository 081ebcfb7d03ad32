// Getting a working native TensorFlow backend into node_modules: tries each route in order
// (existing addon, cache, tfjs-node's download, a TensorFlow wheel, an unpacked libtensorflow)
// and stops at the first that works; every success fills the cache. Never prints: reports events.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NativeBackendError } from '../errors';
import { cacheArea } from '../cache-dir';
import { addExpectedLinks, buildAddon } from './build-addon';
import { cloneLibDir, commitEntry, listCacheEntries, makeStagingDir, restoreEntry, CacheEntry } from './cache';
import { cacheKeyPrefix, nativeFilesPresent, NativeSource, readStamp, TfjsNodeLayout, tfjsNodeLayoutAt } from './layout';
import { ensureTfjsNodePackage, locateTfjsNode, TfjsNodePlace } from './package-place';
import { withLock } from '../lock';
import { officialLibtensorflowUrl, OFFICIAL_LIBTENSORFLOW_VERSION, probeUrl, proxyFor, readCustomTfLib, runOfficialInstall } from './official';
import { verifyNativeBackend, VerifyResult } from './verify';
import { extractWheel, LogFn, pipDownloadWheel, PINNED_TENSORFLOW_VERSION, ProgressFn, wheelVersion } from './wheel';

export type RouteName = 'existing' | 'cache' | 'official' | 'wheel' | 'dir';
export const ROUTE_ORDER: RouteName[] = ['existing', 'cache', 'official', 'wheel', 'dir'];

export interface RouteOutcome {
  source: NativeSource;
  tensorflowVersion: string;
}

/** Thrown by a route that does not apply here (nothing to try), as opposed to one that failed. */
export class RouteSkipped extends Error {}

export interface Route {
  name: RouteName;
  run(): Promise<RouteOutcome>;
}

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

/** Default reachability timeout for the official host: long enough for a slow proxy, short offline. */
export const OFFICIAL_PROBE_TIMEOUT_MS = 8000;
/** The official install downloads ~400 MB: allow it time, but never hang a CI run forever. */
export const OFFICIAL_INSTALL_TIMEOUT_MS = 30 * 60_000;

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

/** Builds the five routes over the given layout, cache and dependencies. */
export function buildRoutes(
  layout: TfjsNodeLayout,
  nativeCacheDir: string,
  env: NodeJS.ProcessEnv,
  deps: ProvisionDeps,
  onEvent?: (e: ProvisionEvent) => void,
  flags: Pick<ProvisionOptions, 'ignoreExisting' | 'trustCache'> = {},
): Route[] {
  const prefix = cacheKeyPrefix(layout, process.platform, process.arch);
  const log: LogFn = (line) => onEvent?.({ type: 'log', line });
  const progress: ProgressFn = (p) => onEvent?.({ type: 'progress', ...p });

  const verifyOrThrow = async (what: string): Promise<VerifyResult> => {
    const v = await deps.verify(layout);
    if (!v.ok) throw new Error(`${what}, but it does not load: ${v.error}`);
    return v;
  };

  /** Hard-links an entry's files into node_modules (no load check). */
  const restore = (entry: CacheEntry, source: NativeSource): void => {
    progress({ stage: 'restore', done: 0, total: 1, unit: 'steps' });
    restoreEntry(entry, layout, source);
    progress({ stage: 'restore', done: 1, total: 1, unit: 'steps' });
  };

  /** Restores an entry and proves it loads; a broken entry is moved aside so it is not tried again. */
  const restoreAndVerify = async (entry: CacheEntry, source: NativeSource): Promise<RouteOutcome> => {
    restore(entry, source);
    const v = await deps.verify(layout);
    if (!v.ok) {
      // Dot-prefixed so it never matches an entry prefix again; kept for a post-mortem.
      fs.renameSync(entry.dir, path.join(path.dirname(entry.dir), `.broken-${Date.now()}-${path.basename(entry.dir)}`));
      throw new Error(`cache entry ${entry.dir} was restored but does not load (${v.error}); it was set aside`);
    }
    return { source, tensorflowVersion: v.tensorflowVersion ?? entry.meta.tensorflowVersion };
  };

  /** Builds the addon against a staged lib/ + include/, commits the entry, restores and verifies it. */
  const buildCommitRestore = async (staging: string, origin: 'wheel' | 'dir', tensorflowVersion: string): Promise<RouteOutcome> => {
    addExpectedLinks(path.join(staging, 'lib'));
    await deps.buildAddon(layout, staging, { log, onStep: (d, t) => progress({ stage: 'compile', done: d, total: t, unit: 'steps' }) });
    fs.rmSync(path.join(staging, 'include'), { recursive: true, force: true });
    const entry = commitEntry(nativeCacheDir, staging, prefix, baseMeta(origin, tensorflowVersion));
    const out = await restoreAndVerify(entry, origin);
    return { source: origin, tensorflowVersion: out.tensorflowVersion };
  };

  const baseMeta = (origin: 'official' | 'wheel' | 'dir', tensorflowVersion: string) => ({
    origin,
    tensorflowVersion,
    tfjsNodeVersion: layout.version,
    napiBuildVersion: layout.napiBuildVersion,
    platform: process.platform,
    arch: process.arch,
  });

  /** Copies what is in node_modules now into a new cache entry, unless one exists already. */
  const fillCacheFromNodeModules = (origin: 'official' | 'wheel' | 'dir', tensorflowVersion: string): void => {
    if (listCacheEntries(nativeCacheDir, prefix).length > 0) return;
    const staging = makeStagingDir(nativeCacheDir);
    try {
      cloneLibDir(layout.depsLibDir, path.join(staging, 'lib'));
      fs.mkdirSync(path.join(staging, 'addon'));
      fs.copyFileSync(layout.addonPath, path.join(staging, 'addon', 'tfjs_binding.node'));
      commitEntry(nativeCacheDir, staging, prefix, baseMeta(origin, tensorflowVersion));
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      log(`could not fill the cache: ${(e as Error).message}`);
    }
  };

  const withStaging = async <T>(fn: (staging: string) => Promise<T>): Promise<T> => {
    const staging = makeStagingDir(nativeCacheDir);
    try {
      return await fn(staging);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true }); // gone already when committed
    }
  };

  return [
    {
      name: 'existing',
      run: async () => {
        if (flags.ignoreExisting) throw new RouteSkipped('ignored (--force)');
        if (!nativeFilesPresent(layout)) throw new RouteSkipped(`no built addon at ${layout.addonPath}`);
        const v = await verifyOrThrow(`an addon is present at ${layout.addonPath}`);
        const stamp = readStamp(layout);
        const origin = stamp?.origin ?? 'official'; // no stamp: tfjs-node's own install script put it there
        const tensorflowVersion = v.tensorflowVersion ?? stamp?.tensorflowVersion ?? 'unknown';
        fillCacheFromNodeModules(origin, tensorflowVersion);
        return { source: stamp?.source ?? 'official', tensorflowVersion };
      },
    },
    {
      name: 'cache',
      run: async () => {
        const entries = listCacheEntries(nativeCacheDir, prefix);
        if (entries.length === 0) throw new RouteSkipped(`no entry ${prefix}* in ${nativeCacheDir}`);
        if (!flags.trustCache) return restoreAndVerify(entries[0], 'cache');
        restore(entries[0], 'cache');
        return { source: 'cache', tensorflowVersion: entries[0].meta.tensorflowVersion };
      },
    },
    {
      name: 'official',
      run: async () => {
        const url = officialLibtensorflowUrl(env, readCustomTfLib(layout));
        if (!proxyFor(env)) {
          // Direct connection: a HEAD request tells within seconds whether the host is there.
          await deps.probeOfficial(url, Number(env.TL_OFFICIAL_PROBE_TIMEOUT_MS) || OFFICIAL_PROBE_TIMEOUT_MS);
        }
        log(`downloading ${url} with tfjs-node's installer`);
        await deps.runOfficialInstall(layout, { log, timeoutMs: Number(env.TL_OFFICIAL_TIMEOUT_MS) || OFFICIAL_INSTALL_TIMEOUT_MS });
        const v = await verifyOrThrow('tfjs-node installed its download');
        const tensorflowVersion = v.tensorflowVersion ?? OFFICIAL_LIBTENSORFLOW_VERSION;
        fs.writeFileSync(layout.stampPath, JSON.stringify({ source: 'official', origin: 'official', tensorflowVersion, at: new Date().toISOString() }, null, 2));
        fillCacheFromNodeModules('official', tensorflowVersion);
        return { source: 'official', tensorflowVersion };
      },
    },
    {
      name: 'wheel',
      run: () =>
        withStaging(async (staging) => {
          let wheel = env.TL_TENSORFLOW_WHEEL;
          if (wheel) {
            if (!fs.existsSync(wheel)) throw new Error(`TL_TENSORFLOW_WHEEL=${wheel}: no such file`);
          } else {
            log(`downloading tensorflow-cpu==${PINNED_TENSORFLOW_VERSION} with pip`);
            const dl = path.join(staging, 'download');
            fs.mkdirSync(dl);
            wheel = await deps.pipDownloadWheel(dl, log);
          }
          await deps.extractWheel(wheel, staging, progress);
          fs.rmSync(path.join(staging, 'download'), { recursive: true, force: true });
          return buildCommitRestore(staging, 'wheel', wheelVersion(wheel) ?? 'unknown');
        }),
    },
    {
      name: 'dir',
      run: () =>
        withStaging(async (staging) => {
          const dir = env.TL_LIBTENSORFLOW_DIR;
          if (!dir) throw new RouteSkipped('TL_LIBTENSORFLOW_DIR is not set');
          const lib = path.join(dir, 'lib');
          const include = path.join(dir, 'include');
          if (!fs.existsSync(lib) || !fs.existsSync(path.join(include, 'tensorflow', 'c', 'c_api.h'))) {
            throw new Error(`TL_LIBTENSORFLOW_DIR=${dir} must hold lib/ (libtensorflow*.so*) and include/tensorflow/c/c_api.h`);
          }
          const libNames = fs.readdirSync(lib).filter((n) => n.startsWith('libtensorflow'));
          fs.mkdirSync(path.join(staging, 'lib'));
          for (const n of libNames) {
            const src = path.join(lib, n);
            if (fs.lstatSync(src).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), path.join(staging, 'lib', n));
            else fs.copyFileSync(src, path.join(staging, 'lib', n));
          }
          fs.symlinkSync(path.resolve(include), path.join(staging, 'include'));
          const version = libNames.map((n) => /^libtensorflow\.so\.(\d+\.\d+\.\d+)$/.exec(n)?.[1]).find(Boolean) ?? 'unknown';
          return buildCommitRestore(staging, 'dir', version);
        }),
    },
  ];
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
