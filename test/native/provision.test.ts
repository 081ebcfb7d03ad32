// Provisioning logic without network or compiler: route order, cache hits, fast fall-through,
// a wheel given by path, and the final error naming every route.
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { ensureNativeBackend, provisionNativeBackend, ProvisionDeps, RouteSkipped, runRoutes } from '../../src/native/provision';
import { TfjsNodeLayout, pickNapiVersion, cacheKeyPrefix } from '../../src/native/layout';
import { commitEntry, makeStagingDir, listCacheEntries } from '../../src/native/cache';
import { wheelEntryTarget, wheelVersion, extractWheel } from '../../src/native/wheel';
import { expectedLinks } from '../../src/native/build-addon';
import { officialLibtensorflowUrl, probeUrl } from '../../src/native/official';
import { cacheRoot } from '../../src/cache-dir';
import { NativeBackendError } from '../../src/errors';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-native-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fakeLayout(): TfjsNodeLayout {
  const pkgDir = path.join(tmp, 'node_modules', '@tensorflow', 'tfjs-node');
  fs.mkdirSync(pkgDir, { recursive: true });
  return {
    pkgDir,
    version: '4.22.0',
    napiBuildVersion: 8,
    addonPath: path.join(pkgDir, 'lib', 'napi-v8', 'tfjs_binding.node'),
    depsLibDir: path.join(pkgDir, 'deps', 'lib'),
    depsIncludeDir: path.join(pkgDir, 'deps', 'include'),
    stampPath: path.join(pkgDir, 'deps', 'tl-native.json'),
  };
}

/** Deps that record calls; each step fails unless a test overrides it. */
function recordingDeps(calls: string[], over: Partial<ProvisionDeps> = {}): Partial<ProvisionDeps> {
  return {
    verify: async () => {
      calls.push('verify');
      return { ok: true, tensorflowVersion: '9.9.9' };
    },
    probeOfficial: async (url) => {
      calls.push('probe');
      throw new Error(`${new URL(url).host} unreachable (ENOTFOUND)`);
    },
    runOfficialInstall: async () => {
      calls.push('officialInstall');
      throw new Error('should not run');
    },
    pipDownloadWheel: async () => {
      calls.push('pip');
      throw new Error('pip: no index reachable');
    },
    extractWheel: async () => {
      calls.push('extract');
      throw new Error('no wheel');
    },
    buildAddon: async () => {
      calls.push('build');
      throw new Error('no compiler');
    },
    ...over,
  };
}

/** A fake addon build: writes the addon where node-pre-gyp would and into staging/addon. */
const fakeBuild = (calls: string[]) => async (layout: TfjsNodeLayout, staging: string) => {
  calls.push('build');
  fs.mkdirSync(path.dirname(layout.addonPath), { recursive: true });
  fs.writeFileSync(layout.addonPath, 'addon-bytes');
  fs.mkdirSync(path.join(staging, 'addon'), { recursive: true });
  fs.writeFileSync(path.join(staging, 'addon', 'tfjs_binding.node'), 'addon-bytes');
};

function makeCacheEntry(nativeDir: string, layout: TfjsNodeLayout, tfVersion: string): void {
  const staging = makeStagingDir(nativeDir);
  fs.mkdirSync(path.join(staging, 'lib'));
  fs.writeFileSync(path.join(staging, 'lib', 'libtensorflow_cc.so.2'), 'lib');
  fs.writeFileSync(path.join(staging, 'lib', 'libtensorflow_framework.so.2'), 'fw');
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(staging, 'lib', 'libtensorflow.so'));
  fs.mkdirSync(path.join(staging, 'addon'));
  fs.writeFileSync(path.join(staging, 'addon', 'tfjs_binding.node'), 'cached-addon');
  commitEntry(nativeDir, staging, cacheKeyPrefix(layout, process.platform, process.arch), {
    origin: 'wheel',
    tensorflowVersion: tfVersion,
    tfjsNodeVersion: layout.version,
    napiBuildVersion: layout.napiBuildVersion,
    platform: process.platform,
    arch: process.arch,
  });
}

/** Writes a zip laid out like a TensorFlow wheel (python3's zipfile: always on machines that build addons). */
function makeFakeWheel(file: string): void {
  const script = `
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('tensorflow/libtensorflow_cc.so.2', b'L' * 5000)
    z.writestr('tensorflow/libtensorflow_framework.so.2', b'F' * 3000)
    z.writestr('tensorflow/include/tensorflow/c/c_api.h', '/* c api */')
    z.writestr('tensorflow/include/xla/tsl/c/tsl_status.h', '/* tsl */')
    z.writestr('tensorflow/include/tensorflow/core/framework/op.h', '/* not needed */')
    z.writestr('tensorflow/python/_pywrap.so', b'P' * 100)
`;
  execFileSync('python3', ['-c', script, file]);
}

describe('pure helpers', () => {
  test('wheel entries: keeps the two libraries and the C header trees only', () => {
    expect(wheelEntryTarget('tensorflow/libtensorflow_cc.so.2')).toBe(path.join('lib', 'libtensorflow_cc.so.2'));
    expect(wheelEntryTarget('tensorflow/libtensorflow_framework.so.2')).toBe(path.join('lib', 'libtensorflow_framework.so.2'));
    expect(wheelEntryTarget('tensorflow/include/tensorflow/c/eager/c_api.h')).toBe(path.join('include', 'tensorflow/c/eager/c_api.h'));
    expect(wheelEntryTarget('tensorflow/include/xla/tsl/c/tsl_status.h')).toBe(path.join('include', 'xla/tsl/c/tsl_status.h'));
    expect(wheelEntryTarget('tensorflow/include/tensorflow/core/framework/op.h')).toBeUndefined();
    expect(wheelEntryTarget('tensorflow/python/libtensorflow_cc.so.2')).toBeUndefined();
    expect(wheelEntryTarget('tensorflow/include/')).toBeUndefined();
  });
  test('wheel version from its file name', () => {
    expect(wheelVersion('/x/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl')).toBe('2.21.0');
    expect(wheelVersion('tensorflow-2.16.1-cp310-cp310-manylinux_2_17_x86_64.whl')).toBe('2.16.1');
    expect(wheelVersion('numpy-2.0.0-cp311.whl')).toBeUndefined();
  });
  test('expected links point the names tfjs-node wants at real libraries', () => {
    expect(expectedLinks(['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'])).toEqual({
      'libtensorflow.so': 'libtensorflow_cc.so.2',
      'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
      'libtensorflow.so.2.9.1': 'libtensorflow_cc.so.2',
    });
    // An official release already has the names: nothing to add but the 2.9.1 marker.
    expect(expectedLinks(['libtensorflow.so', 'libtensorflow.so.2', 'libtensorflow_framework.so', 'libtensorflow_framework.so.2'])).toEqual({
      'libtensorflow.so.2.9.1': 'libtensorflow.so.2',
    });
  });
  test('N-API version: highest supported by both', () => {
    expect(pickNapiVersion([3, 4, 5, 6, 7, 8], 9)).toBe(8);
    expect(pickNapiVersion([3, 4, 5, 6, 7, 8], 6)).toBe(6);
    expect(() => pickNapiVersion([8], 3)).toThrow(/N-API/);
  });
  test('official URL honours the mirror variables tfjs-node honours', () => {
    expect(officialLibtensorflowUrl({}, undefined, 'linux', 'x64')).toBe(
      'https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz',
    );
    expect(officialLibtensorflowUrl({ TFJS_NODE_CDN_STORAGE: 'http://mirror.local/' }, undefined, 'linux', 'x64')).toBe(
      'http://mirror.local/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz',
    );
    expect(officialLibtensorflowUrl({ TFJS_NODE_BASE_URI: 'http://m/lib-' }, undefined, 'linux', 'x64')).toBe('http://m/lib-cpu-linux-x86_64-2.9.1.tar.gz');
    expect(officialLibtensorflowUrl({}, 'http://custom/tf.tgz')).toBe('http://custom/tf.tgz');
  });
  test('cache root: TL_CACHE_DIR, then XDG_CACHE_HOME/tl, then ~/.cache/tl', () => {
    expect(cacheRoot({ TL_CACHE_DIR: '/a/b' }, '/home/u')).toBe('/a/b');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x' }, '/home/u')).toBe('/x/tl');
    expect(cacheRoot({}, '/home/u')).toBe('/home/u/.cache/tl');
  });
});

describe('route order', () => {
  test('first ok wins; later routes never run', async () => {
    const ran: string[] = [];
    const mk = (name: 'existing' | 'cache' | 'official' | 'wheel' | 'dir', result: 'ok' | 'skip' | 'fail') => ({
      name,
      run: async () => {
        ran.push(name);
        if (result === 'skip') throw new RouteSkipped('n/a');
        if (result === 'fail') throw new Error('broken');
        return { source: 'wheel' as const, tensorflowVersion: '1' };
      },
    });
    const { reports } = await runRoutes([mk('existing', 'skip'), mk('cache', 'fail'), mk('official', 'ok'), mk('wheel', 'ok')]);
    expect(ran).toEqual(['existing', 'cache', 'official']);
    expect(reports.map((r) => `${r.route}:${r.status}`)).toEqual(['existing:skipped', 'cache:failed', 'official:ok']);
  });

  test('when every route fails, the error names each route, why, and what to do', async () => {
    const layout = fakeLayout();
    const calls: string[] = [];
    const err = await provisionNativeBackend({
      layout,
      nativeCacheDir: path.join(tmp, 'cache'),
      env: {},
      deps: recordingDeps(calls),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(NativeBackendError);
    const msg = `${err.message}\n${err.hint}`;
    for (const route of ['existing', 'cache', 'official', 'wheel', 'dir']) expect(msg).toContain(`${route}:`);
    expect(msg).toContain('ENOTFOUND');
    expect(msg).toContain('pip: no index reachable');
    expect(msg).toContain('TL_TENSORFLOW_WHEEL');
    expect(msg).toContain('TL_LIBTENSORFLOW_DIR');
    expect(calls).toEqual(['probe', 'pip']); // official never ran its installer after the probe failed
  });
});

describe('cache', () => {
  test('a cache hit restores files and skips every later route', async () => {
    const layout = fakeLayout();
    const nativeDir = path.join(tmp, 'cache');
    makeCacheEntry(nativeDir, layout, '2.21.0');
    const calls: string[] = [];
    const result = await provisionNativeBackend({ layout, nativeCacheDir: nativeDir, env: {}, deps: recordingDeps(calls) });
    expect(result.source).toBe('cache');
    expect(result.routes.map((r) => r.route)).toEqual(['existing', 'cache']);
    expect(calls).toEqual(['verify']);
    expect(fs.readFileSync(layout.addonPath, 'utf8')).toBe('cached-addon');
    expect(fs.readFileSync(path.join(layout.depsLibDir, 'libtensorflow_cc.so.2'), 'utf8')).toBe('lib');
    expect(fs.readlinkSync(path.join(layout.depsLibDir, 'libtensorflow.so'))).toBe('libtensorflow_cc.so.2');
    const stamp = JSON.parse(fs.readFileSync(layout.stampPath, 'utf8'));
    expect(stamp).toMatchObject({ source: 'cache', origin: 'wheel', tensorflowVersion: '2.21.0' });
  });

  test('before a command (ensureNativeBackend) a cache hit is restored without a separate load check', async () => {
    const layout = fakeLayout();
    const nativeDir = path.join(tmp, 'cache');
    makeCacheEntry(nativeDir, layout, '2.21.0');
    const calls: string[] = [];
    const result = await ensureNativeBackend({ layout, nativeCacheDir: nativeDir, env: {}, deps: recordingDeps(calls) });
    expect(result?.source).toBe('cache');
    expect(result?.tensorflowVersion).toBe('2.21.0'); // from the entry's record: nothing was loaded
    expect(calls).toEqual([]); // the command's own load of TensorFlow is the check
    expect(fs.readFileSync(layout.addonPath, 'utf8')).toBe('cached-addon');
    // The files are in place now: the next command goes straight to loading.
    expect(await ensureNativeBackend({ layout, nativeCacheDir: nativeDir, env: {}, deps: recordingDeps(calls) })).toBeUndefined();
    expect(calls).toEqual([]);
  });

  test('an entry that does not load is set aside and the next route is tried', async () => {
    const layout = fakeLayout();
    const nativeDir = path.join(tmp, 'cache');
    makeCacheEntry(nativeDir, layout, '2.21.0');
    const calls: string[] = [];
    const err = await provisionNativeBackend({
      layout,
      nativeCacheDir: nativeDir,
      env: {},
      deps: recordingDeps(calls, { verify: async () => ({ ok: false, error: 'undefined symbol: TFE_Foo' }) }),
    }).catch((e) => e);
    expect(err.message).toMatch(/cache: failed - .*undefined symbol: TFE_Foo/);
    const prefix = cacheKeyPrefix(layout, process.platform, process.arch);
    expect(listCacheEntries(nativeDir, prefix)).toHaveLength(0);
    expect(fs.readdirSync(nativeDir).some((n) => n.includes('.broken-'))).toBe(true);
  });

  test('an incomplete entry (no addon) is never used', async () => {
    const layout = fakeLayout();
    const nativeDir = path.join(tmp, 'cache');
    const prefix = cacheKeyPrefix(layout, process.platform, process.arch);
    fs.mkdirSync(path.join(nativeDir, prefix + '2.21.0', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(nativeDir, prefix + '2.21.0', 'entry.json'), JSON.stringify({ libFiles: [] }));
    expect(listCacheEntries(nativeDir, prefix)).toHaveLength(0);
  });
});

describe('official route', () => {
  test('an unreachable host fails at the probe, before any download or install', async () => {
    // A port nothing listens on: refused at once, like a firewalled host.
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const layout = fakeLayout();
    const calls: string[] = [];
    const err = await provisionNativeBackend({
      layout,
      nativeCacheDir: path.join(tmp, 'cache'),
      env: { TFJS_NODE_CDN_STORAGE: `http://127.0.0.1:${port}/` },
      deps: recordingDeps(calls, { probeOfficial: probeUrl }),
    }).catch((e) => e);
    expect(err.message).toMatch(new RegExp(`official: failed - 127\\.0\\.0\\.1:${port} unreachable \\(ECONNREFUSED\\)`));
    expect(calls).not.toContain('officialInstall');
    expect(calls).toContain('pip'); // fell through to the wheel route
  });

  test('a host that never answers is given up after the probe timeout', async () => {
    const server = http.createServer(() => {
      /* never responds */
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(probeUrl(`http://127.0.0.1:${port}/lib.tar.gz`, 300)).rejects.toThrow(/no answer .* within/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('wheel route', () => {
  test('TL_TENSORFLOW_WHEEL is used without pip; only libraries and C headers are extracted', async () => {
    const layout = fakeLayout();
    const nativeDir = path.join(tmp, 'cache');
    const wheel = path.join(tmp, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl');
    makeFakeWheel(wheel);
    const calls: string[] = [];
    let stagedInclude: string[] = [];
    const result = await provisionNativeBackend({
      layout,
      nativeCacheDir: nativeDir,
      env: { TL_TENSORFLOW_WHEEL: wheel },
      deps: recordingDeps(calls, {
        extractWheel,
        buildAddon: async (l, staging) => {
          stagedInclude = listTree(path.join(staging, 'include'));
          await fakeBuild(calls)(l, staging);
        },
      }),
    });
    expect(result.source).toBe('wheel');
    expect(calls).not.toContain('pip');
    expect(stagedInclude.sort()).toEqual(['tensorflow/c/c_api.h', 'xla/tsl/c/tsl_status.h']);
    const prefix = cacheKeyPrefix(layout, process.platform, process.arch);
    const [entry] = listCacheEntries(nativeDir, prefix);
    expect(entry.meta.origin).toBe('wheel');
    expect(entry.meta.tensorflowVersion).toBe('2.21.0');
    expect(entry.meta.libFiles).toEqual(['libtensorflow.so', 'libtensorflow.so.2.9.1', 'libtensorflow_cc.so.2', 'libtensorflow_framework.so', 'libtensorflow_framework.so.2']);
    expect(fs.statSync(path.join(layout.depsLibDir, 'libtensorflow_cc.so.2')).size).toBe(5000);
    expect(fs.existsSync(path.join(entry.dir, 'include'))).toBe(false); // headers are not kept in the cache
    // The second provisioning of a wiped node_modules restores from the cache.
    fs.rmSync(path.join(layout.pkgDir, 'deps'), { recursive: true });
    fs.rmSync(layout.addonPath);
    const again = await provisionNativeBackend({ layout, nativeCacheDir: nativeDir, env: { TL_TENSORFLOW_WHEEL: wheel }, deps: recordingDeps([]) });
    expect(again.source).toBe('cache');
  });

  test('a missing TL_TENSORFLOW_WHEEL file is named in the error', async () => {
    const calls: string[] = [];
    const err = await provisionNativeBackend({
      layout: fakeLayout(),
      nativeCacheDir: path.join(tmp, 'cache'),
      env: { TL_TENSORFLOW_WHEEL: '/nope/tf.whl' },
      deps: recordingDeps(calls),
    }).catch((e) => e);
    expect(err.message).toContain('wheel: failed - TL_TENSORFLOW_WHEEL=/nope/tf.whl: no such file');
  });

  test('concurrent provisioning builds once; the other run restores from the cache', async () => {
    const layout = fakeLayout();
    const nativeDir = path.join(tmp, 'cache');
    const wheel = path.join(tmp, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl');
    makeFakeWheel(wheel);
    const calls: string[] = [];
    const deps = recordingDeps(calls, { extractWheel, buildAddon: fakeBuild(calls) });
    // Both see an empty node_modules; the lock serialises them.
    const [a, b] = await Promise.all([
      provisionNativeBackend({ layout, nativeCacheDir: nativeDir, env: { TL_TENSORFLOW_WHEEL: wheel }, deps }),
      provisionNativeBackend({ layout, nativeCacheDir: nativeDir, env: { TL_TENSORFLOW_WHEEL: wheel }, deps }),
    ]);
    expect(calls.filter((c) => c === 'build')).toHaveLength(1);
    // The second run finds the first one's result already in node_modules.
    expect([a.source, b.source]).toEqual(['wheel', 'wheel']);
    const firstRoutes = [a, b].map((r) => `${r.routes[0].route}:${r.routes[0].status}`).sort();
    expect(firstRoutes).toEqual(['existing:ok', 'existing:skipped']);
  });
});

describe('existing route', () => {
  test('a working addon in node_modules is used as is and fills an empty cache', async () => {
    const layout = fakeLayout();
    fs.mkdirSync(layout.depsLibDir, { recursive: true });
    fs.writeFileSync(path.join(layout.depsLibDir, 'libtensorflow.so.2.9.1'), 'lib');
    fs.writeFileSync(path.join(layout.depsLibDir, 'libtensorflow_framework.so.2'), 'fw');
    fs.mkdirSync(path.dirname(layout.addonPath), { recursive: true });
    fs.writeFileSync(layout.addonPath, 'addon');
    const nativeDir = path.join(tmp, 'cache');
    const calls: string[] = [];
    const result = await provisionNativeBackend({ layout, nativeCacheDir: nativeDir, env: {}, deps: recordingDeps(calls) });
    expect(result.source).toBe('official'); // no tl stamp: tfjs-node's own installer put it there
    expect(calls).toEqual(['verify']);
    const [entry] = listCacheEntries(nativeDir, cacheKeyPrefix(layout, process.platform, process.arch));
    expect(entry.meta.origin).toBe('official');
  });
});

function listTree(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const n of fs.readdirSync(path.join(dir, base))) {
    const rel = base ? `${base}/${n}` : n;
    if (fs.statSync(path.join(dir, rel)).isDirectory()) out.push(...listTree(dir, rel));
    else out.push(rel);
  }
  return out;
}
