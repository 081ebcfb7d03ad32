// Compiles tfjs-node's binding (tfjs_binding.node) against a staged TensorFlow C library with
// node-pre-gyp/node-gyp, entirely offline: Node's own headers are used when they are installed.
import * as fs from 'fs';
import * as path from 'path';
import { cloneLibDir } from './cache';
import { TfjsNodeLayout } from './layout';
import { LogFn, runCommand } from './wheel';

/**
 * Names tfjs-node expects in deps/lib: the link-time names `libtensorflow.so` and
 * `libtensorflow_framework.so`, plus `libtensorflow.so.2.9.1`, which its install script checks
 * before deciding to download. Each points at a real library present in libDir. Pure on names.
 */
export function expectedLinks(libNames: string[]): Record<string, string> {
  const main = ['libtensorflow.so.2', 'libtensorflow_cc.so.2'].find((n) => libNames.includes(n)) ?? libNames.find((n) => /^libtensorflow\.so\.\d+\.\d+\.\d+$/.test(n));
  const framework = ['libtensorflow_framework.so.2'].find((n) => libNames.includes(n)) ?? libNames.find((n) => /^libtensorflow_framework\.so\.\d/.test(n));
  const links: Record<string, string> = {};
  if (!main || !framework) return links;
  if (!libNames.includes('libtensorflow.so')) links['libtensorflow.so'] = main;
  if (!libNames.includes('libtensorflow_framework.so')) links['libtensorflow_framework.so'] = framework;
  if (!libNames.includes('libtensorflow.so.2.9.1')) links['libtensorflow.so.2.9.1'] = main;
  return links;
}

/** Adds the links from expectedLinks to a staged lib dir. */
export function addExpectedLinks(libDir: string): void {
  const links = expectedLinks(fs.readdirSync(libDir));
  for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(libDir, name));
}

/** The directory prefix whose include/node has node_api.h, so node-gyp never downloads headers. */
export function localNodeDir(execPath: string = process.execPath): string | undefined {
  const prefix = path.resolve(path.dirname(execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

export interface BuildAddonOptions {
  log?: LogFn;
  onStep?: (done: number, total: number) => void;
}

/**
 * Builds the addon from stagingDir/lib + stagingDir/include and copies it to stagingDir/addon.
 * tfjs-node's deps/ is pointed at the staged files for the build and removed afterwards
 * (the caller restores the finished cache entry into place).
 */
export async function buildAddon(layout: TfjsNodeLayout, stagingDir: string, opts: BuildAddonOptions = {}): Promise<void> {
  const depsDir = path.dirname(layout.depsLibDir);
  fs.rmSync(depsDir, { recursive: true, force: true });
  cloneLibDir(path.join(stagingDir, 'lib'), layout.depsLibDir);
  fs.symlinkSync(path.join(stagingDir, 'include'), layout.depsIncludeDir);

  const preGyp = require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: [layout.pkgDir] });
  const binDirs = [path.join(layout.pkgDir, 'node_modules', '.bin'), path.resolve(layout.pkgDir, '..', '..', '.bin')];
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [...binDirs, process.env.PATH ?? ''].join(path.delimiter) };
  const nodedir = env.npm_config_nodedir ?? localNodeDir();
  if (nodedir) env.npm_config_nodedir = nodedir;

  // node-gyp prints one line per compiled object; count them for a rough progress figure.
  const expectedSteps = 6;
  let steps = 0;
  const r = await runCommand(process.execPath, [preGyp, 'install', '--build-from-source'], {
    cwd: layout.pkgDir,
    env,
    log: (line) => {
      opts.log?.(line);
      if (/\b(CXX|SOLINK_MODULE|COPY|ACTION)\b/.test(line)) opts.onStep?.(Math.min(++steps, expectedSteps), expectedSteps);
    },
  });
  fs.rmSync(layout.depsIncludeDir, { force: true });
  if (r.code !== 0 || !fs.existsSync(layout.addonPath)) {
    const tail = r.output.trim().split('\n').slice(-6).join('\n');
    throw new Error(
      `compiling the tfjs-node addon failed (exit ${r.code}).` +
        (nodedir ? '' : ' Node headers were not found beside node; node-gyp needs them (install nodejs headers, or set npm_config_nodedir).') +
        `\n${tail}`,
    );
  }
  fs.mkdirSync(path.join(stagingDir, 'addon'), { recursive: true });
  fs.copyFileSync(layout.addonPath, path.join(stagingDir, 'addon', 'tfjs_binding.node'));
  opts.onStep?.(expectedSteps, expectedSteps);
}
