// The five routes to a working native backend, each a function of one shared context: the addon
// already in node_modules, tl's cache, tfjs-node's own download, a TensorFlow wheel, and an
// unpacked libtensorflow. provision.ts runs them in this order and stops at the first that works.
import * as fs from 'fs';
import * as path from 'path';
import { cloneLibDir, commitEntry, listCacheEntries, makeStagingDir, restoreEntry, CacheEntry } from './cache';
import { addExpectedLinks } from './build-addon';
import { cacheKeyPrefix, nativeFilesPresent, NativeSource, readStamp, TfjsNodeLayout } from './layout';
import { officialLibtensorflowUrl, OFFICIAL_LIBTENSORFLOW_VERSION, proxyFor, readCustomTfLib } from './official';
import type { VerifyResult } from './verify';
import { LogFn, PINNED_TENSORFLOW_VERSION, ProgressFn, wheelVersion } from './wheel';
import type { ProvisionDeps, ProvisionEvent, ProvisionOptions } from './provision';

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

/** Default reachability timeout for the official host: long enough for a slow proxy, short offline. */
export const OFFICIAL_PROBE_TIMEOUT_MS = 8000;
/** The official install downloads ~400 MB: allow it time, but never hang a CI run forever. */
export const OFFICIAL_INSTALL_TIMEOUT_MS = 30 * 60_000;

/** What every route works with: where the addon goes, the cache, the environment and the injectable steps. */
interface RouteContext {
  layout: TfjsNodeLayout;
  nativeCacheDir: string;
  env: NodeJS.ProcessEnv;
  deps: ProvisionDeps;
  flags: Pick<ProvisionOptions, 'ignoreExisting' | 'trustCache'>;
  /** cache entry names of this tfjs-node, N-API version, platform and arch start with it */
  prefix: string;
  log: LogFn;
  progress: ProgressFn;
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
  const ctx: RouteContext = {
    layout,
    nativeCacheDir,
    env,
    deps,
    flags,
    prefix: cacheKeyPrefix(layout, process.platform, process.arch),
    log: (line) => onEvent?.({ type: 'log', line }),
    progress: (p) => onEvent?.({ type: 'progress', ...p }),
  };
  return [
    { name: 'existing', run: () => existingRoute(ctx) },
    { name: 'cache', run: () => cacheRoute(ctx) },
    { name: 'official', run: () => officialRoute(ctx) },
    { name: 'wheel', run: () => withStaging(ctx, (staging) => wheelRoute(ctx, staging)) },
    { name: 'dir', run: () => withStaging(ctx, (staging) => dirRoute(ctx, staging)) },
  ];
}

/** a. The addon in node_modules already loads (and is copied into the cache if it is not there). */
async function existingRoute(ctx: RouteContext): Promise<RouteOutcome> {
  const { layout } = ctx;
  if (ctx.flags.ignoreExisting) throw new RouteSkipped('ignored (--force)');
  if (!nativeFilesPresent(layout)) throw new RouteSkipped(`no built addon at ${layout.addonPath}`);
  const v = await verifyOrThrow(ctx, `an addon is present at ${layout.addonPath}`);
  const stamp = readStamp(layout);
  const origin = stamp?.origin ?? 'official'; // no stamp: tfjs-node's own install script put it there
  const tensorflowVersion = v.tensorflowVersion ?? stamp?.tensorflowVersion ?? 'unknown';
  fillCacheFromNodeModules(ctx, origin, tensorflowVersion);
  return { source: stamp?.source ?? 'official', tensorflowVersion };
}

/** b. A previous result in the cache, hard-linked into node_modules. */
async function cacheRoute(ctx: RouteContext): Promise<RouteOutcome> {
  const entries = listCacheEntries(ctx.nativeCacheDir, ctx.prefix);
  if (entries.length === 0) throw new RouteSkipped(`no entry ${ctx.prefix}* in ${ctx.nativeCacheDir}`);
  if (!ctx.flags.trustCache) return restoreAndVerify(ctx, entries[0], 'cache');
  restore(ctx, entries[0], 'cache');
  return { source: 'cache', tensorflowVersion: entries[0].meta.tensorflowVersion };
}

/** c. tfjs-node's own installer, after a quick reachability probe on a direct connection. */
async function officialRoute(ctx: RouteContext): Promise<RouteOutcome> {
  const { env, layout, deps } = ctx;
  const url = officialLibtensorflowUrl(env, readCustomTfLib(layout));
  if (!proxyFor(env)) {
    // Direct connection: a HEAD request tells within seconds whether the host is there.
    await deps.probeOfficial(url, Number(env.TL_OFFICIAL_PROBE_TIMEOUT_MS) || OFFICIAL_PROBE_TIMEOUT_MS);
  }
  ctx.log(`downloading ${url} with tfjs-node's installer`);
  await deps.runOfficialInstall(layout, { log: ctx.log, timeoutMs: Number(env.TL_OFFICIAL_TIMEOUT_MS) || OFFICIAL_INSTALL_TIMEOUT_MS });
  const v = await verifyOrThrow(ctx, 'tfjs-node installed its download');
  const tensorflowVersion = v.tensorflowVersion ?? OFFICIAL_LIBTENSORFLOW_VERSION;
  fs.writeFileSync(layout.stampPath, JSON.stringify({ source: 'official', origin: 'official', tensorflowVersion, at: new Date().toISOString() }, null, 2));
  fillCacheFromNodeModules(ctx, 'official', tensorflowVersion);
  return { source: 'official', tensorflowVersion };
}

/** d. The C library from a tensorflow-cpu wheel (given, or fetched with pip), and the addon compiled against it. */
async function wheelRoute(ctx: RouteContext, staging: string): Promise<RouteOutcome> {
  let wheel = ctx.env.TL_TENSORFLOW_WHEEL;
  if (wheel) {
    if (!fs.existsSync(wheel)) throw new Error(`TL_TENSORFLOW_WHEEL=${wheel}: no such file`);
  } else {
    ctx.log(`downloading tensorflow-cpu==${PINNED_TENSORFLOW_VERSION} with pip`);
    const dl = path.join(staging, 'download');
    fs.mkdirSync(dl);
    wheel = await ctx.deps.pipDownloadWheel(dl, ctx.log);
  }
  await ctx.deps.extractWheel(wheel, staging, ctx.progress);
  fs.rmSync(path.join(staging, 'download'), { recursive: true, force: true });
  return buildCommitRestore(ctx, staging, 'wheel', wheelVersion(wheel) ?? 'unknown');
}

/** e. An unpacked libtensorflow C release in TL_LIBTENSORFLOW_DIR, and the addon compiled against it. */
async function dirRoute(ctx: RouteContext, staging: string): Promise<RouteOutcome> {
  const dir = ctx.env.TL_LIBTENSORFLOW_DIR;
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
  return buildCommitRestore(ctx, staging, 'dir', version);
}

async function verifyOrThrow(ctx: RouteContext, what: string): Promise<VerifyResult> {
  const v = await ctx.deps.verify(ctx.layout);
  if (!v.ok) throw new Error(`${what}, but it does not load: ${v.error}`);
  return v;
}

/** Hard-links an entry's files into node_modules (no load check). */
function restore(ctx: RouteContext, entry: CacheEntry, source: NativeSource): void {
  ctx.progress({ stage: 'restore', done: 0, total: 1, unit: 'steps' });
  restoreEntry(entry, ctx.layout, source);
  ctx.progress({ stage: 'restore', done: 1, total: 1, unit: 'steps' });
}

/** Restores an entry and proves it loads; a broken entry is moved aside so it is not tried again. */
async function restoreAndVerify(ctx: RouteContext, entry: CacheEntry, source: NativeSource): Promise<RouteOutcome> {
  restore(ctx, entry, source);
  const v = await ctx.deps.verify(ctx.layout);
  if (!v.ok) {
    // Dot-prefixed so it never matches an entry prefix again; kept for a post-mortem.
    fs.renameSync(entry.dir, path.join(path.dirname(entry.dir), `.broken-${Date.now()}-${path.basename(entry.dir)}`));
    throw new Error(`cache entry ${entry.dir} was restored but does not load (${v.error}); it was set aside`);
  }
  return { source, tensorflowVersion: v.tensorflowVersion ?? entry.meta.tensorflowVersion };
}

/** Builds the addon against a staged lib/ + include/, commits the entry, restores and verifies it. */
async function buildCommitRestore(ctx: RouteContext, staging: string, origin: 'wheel' | 'dir', tensorflowVersion: string): Promise<RouteOutcome> {
  addExpectedLinks(path.join(staging, 'lib'));
  await ctx.deps.buildAddon(ctx.layout, staging, { log: ctx.log, onStep: (d, t) => ctx.progress({ stage: 'compile', done: d, total: t, unit: 'steps' }) });
  fs.rmSync(path.join(staging, 'include'), { recursive: true, force: true });
  const entry = commitEntry(ctx.nativeCacheDir, staging, ctx.prefix, entryMeta(ctx, origin, tensorflowVersion));
  const out = await restoreAndVerify(ctx, entry, origin);
  return { source: origin, tensorflowVersion: out.tensorflowVersion };
}

function entryMeta(ctx: RouteContext, origin: 'official' | 'wheel' | 'dir', tensorflowVersion: string) {
  return {
    origin,
    tensorflowVersion,
    tfjsNodeVersion: ctx.layout.version,
    napiBuildVersion: ctx.layout.napiBuildVersion,
    platform: process.platform,
    arch: process.arch,
  };
}

/** Copies what is in node_modules now into a new cache entry, unless one exists already. */
function fillCacheFromNodeModules(ctx: RouteContext, origin: 'official' | 'wheel' | 'dir', tensorflowVersion: string): void {
  if (listCacheEntries(ctx.nativeCacheDir, ctx.prefix).length > 0) return;
  const staging = makeStagingDir(ctx.nativeCacheDir);
  try {
    cloneLibDir(ctx.layout.depsLibDir, path.join(staging, 'lib'));
    fs.mkdirSync(path.join(staging, 'addon'));
    fs.copyFileSync(ctx.layout.addonPath, path.join(staging, 'addon', 'tfjs_binding.node'));
    commitEntry(ctx.nativeCacheDir, staging, ctx.prefix, entryMeta(ctx, origin, tensorflowVersion));
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    ctx.log(`could not fill the cache: ${(e as Error).message}`);
  }
}

/** Runs `fn` in a fresh staging folder under the cache, removed afterwards (gone already when committed). */
async function withStaging<T>(ctx: RouteContext, fn: (staging: string) => Promise<T>): Promise<T> {
  const staging = makeStagingDir(ctx.nativeCacheDir);
  try {
    return await fn(staging);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
