// Where tl's copy of the @tensorflow/tfjs-node package lives, and getting one when npm left it out.
// tl lists tfjs-node as an optional dependency: offline, its install script fails and npm drops the
// package instead of rolling back the whole install. tl then fetches the package itself with
// `npm pack` (served from the npm cache the install just filled; no script runs) and places it in
// tl's own node_modules, or, when that folder is not writable (a root-owned global prefix), in the
// cache under the user's home with links to the dependencies tl installed for it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheRoot } from '../cache-dir';
import { NativeBackendError } from '../errors';
import { LogFn, runCommand } from './wheel';

export const TFJS_NODE = '@tensorflow/tfjs-node';

/** tl's package folder (holds package.json): two levels above dist/native/ or src/native/. */
export const TL_ROOT = path.resolve(__dirname, '..', '..');

/** 'installed': found by Node's own resolution from tl; 'user-cache': tl's copy under the cache root. */
export interface TfjsNodePlace {
  pkgDir: string;
  place: 'installed' | 'user-cache';
}

export interface PlaceOptions {
  env?: NodeJS.ProcessEnv;
  /** Where resolution starts (tl's package folder). */
  tlRoot?: string;
  /** Injectable for tests (root can write anywhere). */
  writable?: (dir: string) => boolean;
  log?: LogFn;
  /** Replaces `npm pack`: must leave the package's .tgz in destDir and return its path. */
  fetchTarball?: (spec: string, destDir: string, log?: LogFn) => Promise<string>;
}

/** The exact tfjs-node version tl is built for, from tl's own package.json. */
export function pinnedTfjsNodeVersion(tlRoot: string = TL_ROOT): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(tlRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const version = pkg.optionalDependencies?.[TFJS_NODE] ?? pkg.dependencies?.[TFJS_NODE];
  if (!version) throw new Error(`${tlRoot}/package.json does not list ${TFJS_NODE}`);
  return version;
}

export function isWritable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder of package `name` as Node would find it from `fromDir` (walks up node_modules). */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** tl's own copy under the cache root: <cache>/runtime/tfjs-node-<v>/node_modules/@tensorflow/tfjs-node. */
export function userCacheTfjsNodeDir(env: NodeJS.ProcessEnv, version: string): string {
  return path.join(cacheRoot(env), 'runtime', `tfjs-node-${version}`, 'node_modules', TFJS_NODE);
}

function hasAddon(pkgDir: string): boolean {
  return fs.existsSync(path.join(pkgDir, 'lib')) && fs.readdirSync(path.join(pkgDir, 'lib')).some((d) => fs.existsSync(path.join(pkgDir, 'lib', d, 'tfjs_binding.node')));
}

/**
 * Where tfjs-node is now, without changing anything. An installed copy wins when it has an addon
 * or tl may write into it; otherwise tl's copy in the user cache, when there is one.
 */
export function locateTfjsNode(opts: PlaceOptions = {}): TfjsNodePlace | undefined {
  const env = opts.env ?? process.env;
  const tlRoot = opts.tlRoot ?? TL_ROOT;
  const writable = opts.writable ?? isWritable;
  const installed = findPackageDir(TFJS_NODE, tlRoot);
  if (installed && (hasAddon(installed) || writable(installed))) return { pkgDir: installed, place: 'installed' };
  const cached = userCacheTfjsNodeDir(env, pinnedTfjsNodeVersion(tlRoot));
  if (fs.existsSync(path.join(cached, 'package.json'))) return { pkgDir: cached, place: 'user-cache' };
  return installed ? { pkgDir: installed, place: 'installed' } : undefined;
}

/** `npm pack <spec>` in destDir: the registry tarball, from the npm cache when it has it. */
export async function npmPackTarball(spec: string, destDir: string, log?: LogFn): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = await runCommand(npm, ['pack', spec, '--prefer-offline', '--ignore-scripts', '--json'], { cwd: destDir, log, timeoutMs: 10 * 60_000 });
  const file = fs.readdirSync(destDir).find((n) => n.endsWith('.tgz'));
  if (r.code !== 0 || !file) {
    throw new Error(`\`npm pack ${spec}\` failed (exit ${r.code}): ${r.output.trim().split('\n').slice(-3).join(' ').slice(0, 300)}`);
  }
  return path.join(destDir, file);
}

/** Unpacks an npm tarball (its files under package/) to target, atomically by rename. */
async function unpackTo(tarball: string, target: string): Promise<void> {
  const work = fs.mkdtempSync(path.join(path.dirname(target), '.tl-unpack-'));
  try {
    const r = await runCommand('tar', ['-xzf', tarball, '-C', work], { timeoutMs: 5 * 60_000 });
    if (r.code !== 0) throw new Error(`unpacking ${tarball} failed: ${r.output.trim().slice(0, 300)}`);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(path.join(work, 'package'), target);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Gives the user-cache copy the packages tl installed: its node_modules links each entry of the
 * node_modules folder holding tl's @tensorflow/tfjs (tfjs-node also requires packages it does not
 * declare, such as @tensorflow/tfjs-core, which npm hoists beside it).
 */
function linkDependencies(pkgDir: string, tlRoot: string): void {
  const tfjs = findPackageDir('@tensorflow/tfjs', tlRoot);
  if (!tfjs) throw new Error(`@tensorflow/tfjs, which ${TFJS_NODE} needs, is not installed beside tl (reinstall tl-transfer)`);
  const source = path.resolve(tfjs, '..', '..');
  const target = path.resolve(pkgDir, '..', '..');
  const linkAll = (from: string, to: string, scope: boolean): void => {
    for (const name of fs.readdirSync(from)) {
      if (name.startsWith('.')) continue;
      if (!scope && name.startsWith('@')) {
        fs.mkdirSync(path.join(to, name), { recursive: true });
        linkAll(path.join(from, name), path.join(to, name), true);
        continue;
      }
      const link = path.join(to, name);
      if (link === pkgDir) continue;
      fs.rmSync(link, { recursive: true, force: true });
      fs.symlinkSync(fs.realpathSync(path.join(from, name)), link, 'dir');
    }
  };
  linkAll(source, target, false);
}

/**
 * Makes sure a tfjs-node package exists where tl may put the native addon, and returns it.
 * Fetches it with npm when npm left it out; copies it to the user cache when the installed copy
 * has no addon and cannot be written. Throws NativeBackendError saying what to do otherwise.
 */
export async function ensureTfjsNodePackage(opts: PlaceOptions = {}): Promise<TfjsNodePlace> {
  const env = opts.env ?? process.env;
  const tlRoot = opts.tlRoot ?? TL_ROOT;
  const writable = opts.writable ?? isWritable;
  const found = locateTfjsNode(opts);
  if (found && (found.place === 'user-cache' || hasAddon(found.pkgDir) || writable(found.pkgDir))) return found;

  const version = pinnedTfjsNodeVersion(tlRoot);
  const ownModules = path.join(tlRoot, 'node_modules');
  const intoOwn = !found && (fs.existsSync(ownModules) ? writable(ownModules) : writable(tlRoot));
  const target = intoOwn ? path.join(ownModules, TFJS_NODE) : userCacheTfjsNodeDir(env, version);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    if (found) {
      opts.log?.(`${found.pkgDir} has no addon and is not writable: copying it to ${target}`);
      const work = fs.mkdtempSync(path.join(path.dirname(target), '.tl-copy-'));
      fs.cpSync(found.pkgDir, path.join(work, 'pkg'), { recursive: true, verbatimSymlinks: true });
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(path.join(work, 'pkg'), target);
      fs.rmSync(work, { recursive: true, force: true });
    } else {
      opts.log?.(`${TFJS_NODE} ${version} is not installed (npm leaves it out when its install script cannot download): fetching it with npm pack into ${target}`);
      const dl = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-tfjs-node-'));
      try {
        const tarball = await (opts.fetchTarball ?? npmPackTarball)(`${TFJS_NODE}@${version}`, dl, opts.log);
        await unpackTo(tarball, target);
      } finally {
        fs.rmSync(dl, { recursive: true, force: true });
      }
    }
    if (!intoOwn) linkDependencies(target, tlRoot);
  } catch (err) {
    throw new NativeBackendError(
      `could not put ${TFJS_NODE} ${version} in place at ${target}: ${(err as Error).message}`,
      intoOwn
        ? `Check that npm works and can reach its registry or cache, then run \`tl setup\` again.`
        : `tl's install folder ${tlRoot} is not writable, so tl uses the cache under your home (${cacheRoot(env)}; TL_CACHE_DIR moves it). Make that folder writable, or run \`tl setup\` once as the user who installed tl.`,
    );
  }
  return { pkgDir: target, place: intoOwn ? 'installed' : 'user-cache' };
}
