// Where tl finds or puts the tfjs-node package: its own node_modules when npm left tfjs-node out,
// the user cache when the install folder is not writable, and the package.json contract behind it.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureTfjsNodePackage, locateTfjsNode, userCacheTfjsNodeDir, TFJS_NODE } from '../../src/native/package-place';
import { NativeBackendError } from '../../src/errors';

let tmp: string;
let tlRoot: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-place-'));
  tlRoot = path.join(tmp, 'prefix', 'lib', 'node_modules', 'tl-transfer');
  writePkg(tlRoot, { name: 'tl-transfer', version: '0.1.0', optionalDependencies: { [TFJS_NODE]: '4.22.0' } });
  writePkg(path.join(tlRoot, 'node_modules', '@tensorflow', 'tfjs'), { name: '@tensorflow/tfjs', version: '4.22.0' });
  writePkg(path.join(tlRoot, 'node_modules', '@tensorflow', 'tfjs-core'), { name: '@tensorflow/tfjs-core', version: '4.22.0' });
  writePkg(path.join(tlRoot, 'node_modules', 'tar'), { name: 'tar', version: '6.2.1' });
  env = { TL_CACHE_DIR: path.join(tmp, 'home-cache') };
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writePkg(dir: string, pkg: object): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
}

/** A registry-like tarball of a fake tfjs-node (files under package/), as `npm pack` leaves it. */
async function fakeFetch(spec: string, destDir: string): Promise<string> {
  expect(spec).toBe(`${TFJS_NODE}@4.22.0`);
  const src = path.join(destDir, 'src');
  writePkg(path.join(src, 'package'), { name: TFJS_NODE, version: '4.22.0', dependencies: { '@tensorflow/tfjs': '4.22.0', tar: '^6.2.1' } });
  const file = path.join(destDir, 'tensorflow-tfjs-node-4.22.0.tgz');
  execFileSync('tar', ['-czf', file, '-C', src, 'package']);
  return file;
}

test('npm left tfjs-node out: tl fetches it into its own node_modules when it may write there', async () => {
  expect(locateTfjsNode({ env, tlRoot })).toBeUndefined();
  const place = await ensureTfjsNodePackage({ env, tlRoot, fetchTarball: fakeFetch, writable: () => true });
  expect(place).toEqual({ pkgDir: path.join(tlRoot, 'node_modules', TFJS_NODE), place: 'installed' });
  expect(JSON.parse(fs.readFileSync(path.join(place.pkgDir, 'package.json'), 'utf8')).version).toBe('4.22.0');
  expect(locateTfjsNode({ env, tlRoot, writable: () => true })).toEqual(place);
  expect(fs.readdirSync(path.join(tlRoot, 'node_modules')).filter((n) => n.startsWith('.'))).toEqual([]);
});

test('an install folder the user cannot write: the copy goes to the user cache and sees tl\'s packages', async () => {
  const place = await ensureTfjsNodePackage({ env, tlRoot, fetchTarball: fakeFetch, writable: () => false });
  expect(place).toEqual({ pkgDir: userCacheTfjsNodeDir(env, '4.22.0'), place: 'user-cache' });
  expect(place.pkgDir.startsWith(env.TL_CACHE_DIR!)).toBe(true);
  expect(fs.existsSync(path.join(tlRoot, 'node_modules', TFJS_NODE))).toBe(false);
  // Undeclared but required (tfjs-core) as well as declared packages resolve from the copy.
  for (const dep of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', 'tar']) {
    const found = require.resolve(`${dep}/package.json`, { paths: [place.pkgDir] });
    expect(fs.realpathSync(found)).toBe(fs.realpathSync(path.join(tlRoot, 'node_modules', dep, 'package.json')));
  }
  expect(locateTfjsNode({ env, tlRoot, writable: () => false })).toEqual(place);
});

test('an installed tfjs-node without addon in a read-only folder is copied to the user cache, not fetched', async () => {
  const installed = path.join(tlRoot, 'node_modules', TFJS_NODE);
  writePkg(installed, { name: TFJS_NODE, version: '4.22.0', dependencies: { '@tensorflow/tfjs': '4.22.0' } });
  const fetchTarball = jest.fn(fakeFetch);
  const place = await ensureTfjsNodePackage({ env, tlRoot, fetchTarball, writable: () => false });
  expect(fetchTarball).not.toHaveBeenCalled();
  expect(place.place).toBe('user-cache');
  // With an addon, the installed copy is used even when read-only (tfjs-node's own install worked).
  fs.mkdirSync(path.join(installed, 'lib', 'napi-v8'), { recursive: true });
  fs.writeFileSync(path.join(installed, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
  expect(locateTfjsNode({ env, tlRoot, writable: () => false })).toEqual({ pkgDir: fs.realpathSync(installed), place: 'installed' });
});

test('a failed fetch is a NativeBackendError naming the folder and what to do', async () => {
  const failing = async (): Promise<string> => {
    throw new Error('`npm pack @tensorflow/tfjs-node@4.22.0` failed (exit 1): ENOTCACHED');
  };
  const err = await ensureTfjsNodePackage({ env, tlRoot, fetchTarball: failing, writable: () => false }).catch((e) => e);
  expect(err).toBeInstanceOf(NativeBackendError);
  expect(err.message).toContain('ENOTCACHED');
  expect(err.hint).toContain('not writable');
  expect(err.hint).toContain(env.TL_CACHE_DIR);
});

test("tl's package.json: tfjs-node optional and pinned, every dependency of it installed by tl itself", () => {
  const repo = path.join(__dirname, '..', '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  expect(pkg.dependencies[TFJS_NODE]).toBeUndefined();
  const version = pkg.optionalDependencies[TFJS_NODE];
  expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  const tfjsNode = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules', TFJS_NODE, 'package.json'), 'utf8'));
  expect(tfjsNode.version).toBe(version);
  // When npm drops tfjs-node, these must still be there for the copy tl fetches.
  expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(Object.keys(tfjsNode.dependencies)));
});
