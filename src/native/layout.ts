// Where tfjs-node keeps its native parts, and how tl names a cache entry for them.
// Pure given its inputs; no TensorFlow is loaded here.
import * as fs from 'fs';
import * as path from 'path';
import { NativeBackendError } from '../errors';
import { PROVISION_HINT } from './load';
import { locateTfjsNode, TFJS_NODE } from './package-place';

/** The files of an installed @tensorflow/tfjs-node that make up its native backend. */
export interface TfjsNodeLayout {
  pkgDir: string;
  version: string;
  /** N-API build version tfjs-node's addon is built for (highest supported by this Node). */
  napiBuildVersion: number;
  /** lib/napi-v<N>/tfjs_binding.node */
  addonPath: string;
  /** deps/lib: the TensorFlow C libraries the addon's RUNPATH ($ORIGIN/../../deps/lib) points at. */
  depsLibDir: string;
  depsIncludeDir: string;
  /** tl's stamp saying which route provisioned this node_modules copy. */
  stampPath: string;
}

export type NativeSource = 'cache' | 'official' | 'wheel' | 'dir';

/** What tl writes beside the libraries it put in place. */
export interface NativeStamp {
  source: NativeSource;
  /** The route that originally produced the files (a cache restore keeps it). */
  origin: Exclude<NativeSource, 'cache'>;
  tensorflowVersion: string;
  cacheEntry?: string;
  at: string;
}

/** Picks the highest N-API version the package supports that this Node also supports. */
export function pickNapiVersion(supported: number[], nodeNapi: number): number {
  const usable = supported.filter((v) => v <= nodeNapi);
  if (usable.length === 0) throw new Error(`no N-API version in [${supported.join(', ')}] is supported by this Node (N-API ${nodeNapi})`);
  return Math.max(...usable);
}

/** The layout of the tfjs-node tl uses now (see package-place.ts); throws when there is none yet. */
export function tfjsNodeLayout(): TfjsNodeLayout {
  const found = locateTfjsNode();
  if (!found) throw new NativeBackendError(`${TFJS_NODE} is not installed beside tl`, PROVISION_HINT);
  return tfjsNodeLayoutAt(found.pkgDir);
}

export function tfjsNodeLayoutAt(pkgDir: string): TfjsNodeLayout {
  const pkgJsonPath = path.join(pkgDir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8')) as {
    version: string;
    binary: { module_path: string; napi_versions: number[] };
  };
  const napiBuildVersion = pickNapiVersion(pkg.binary.napi_versions, Number(process.versions.napi));
  const modulePath = pkg.binary.module_path.replace('{napi_build_version}', String(napiBuildVersion));
  return {
    pkgDir,
    version: pkg.version,
    napiBuildVersion,
    addonPath: path.join(pkgDir, modulePath, 'tfjs_binding.node'),
    depsLibDir: path.join(pkgDir, 'deps', 'lib'),
    depsIncludeDir: path.join(pkgDir, 'deps', 'include'),
    stampPath: path.join(pkgDir, 'deps', 'tl-native.json'),
  };
}

/** Everything an addon build depends on except the TensorFlow version. */
export function cacheKeyPrefix(layout: Pick<TfjsNodeLayout, 'version' | 'napiBuildVersion'>, platform: string, arch: string): string {
  return `tfjs-node-${layout.version}_napi-${layout.napiBuildVersion}_${platform}-${arch}_tf-`;
}

export function cacheEntryName(prefix: string, tensorflowVersion: string): string {
  return prefix + tensorflowVersion.replace(/[^0-9A-Za-z.\-]/g, '_');
}

export function readStamp(layout: TfjsNodeLayout): NativeStamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(layout.stampPath, 'utf8')) as NativeStamp;
  } catch {
    return undefined;
  }
}

/** True when the addon and both libraries it needs are in place (does not prove they load). */
export function nativeFilesPresent(layout: TfjsNodeLayout): boolean {
  if (!fs.existsSync(layout.addonPath)) return false;
  if (!fs.existsSync(layout.depsLibDir)) return false;
  const names = fs.readdirSync(layout.depsLibDir);
  return names.some((n) => n.startsWith('libtensorflow_framework')) && names.some((n) => /^libtensorflow(_cc)?\.so/.test(n) || n.startsWith('libtensorflow.'));
}
