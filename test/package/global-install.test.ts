// The packed tarball outside the clone: `npm pack`, `npm install -g` into a temporary prefix,
// offline, then the CLI from a temporary folder; and a scratch project that installs the tarball
// and runs a tiny transfer through the library API. Slow (about 2 min), so opt-in:
// TL_PACKAGE_TEST=1 npx jest test/package (CI runs it from .ci/run).
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheArea } from '../../src/cache-dir';

const repo = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
const enabled = process.env.TL_PACKAGE_TEST === '1';
if (!enabled) {
  // eslint-disable-next-line no-console
  console.warn('package tests SKIPPED: set TL_PACKAGE_TEST=1 to pack, install globally and run the tarball (about 2 min)');
}
const describeIfEnabled = enabled ? describe : describe.skip;
const STEP_TIMEOUT_MS = 600_000;

describeIfEnabled('the packed tarball, installed outside the clone', () => {
  let work: string;
  let tarball: string;
  let env: NodeJS.ProcessEnv;
  const prefix = () => path.join(work, 'prefix');

  /** The environment of a user's shell: no npm lifecycle variables from the jest run, tl's caches in work/. */
  function userEnv(): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && !k.startsWith('TL_')) e[k] = v;
    return { ...e, TL_CACHE_DIR: path.join(work, 'tl-cache'), npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  }

  function run(cmd: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
    const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: STEP_TIMEOUT_MS, maxBuffer: 64 << 20 });
    if (r.status !== 0) {
      // eslint-disable-next-line no-console
      console.error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }

  const tl = (args: string[], cwd: string) => run(path.join(prefix(), 'bin', 'tl'), args, cwd);

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-package-'));
    env = userEnv();
    // The native library comes from this machine's cache (restored in seconds, no download);
    // everything else tl writes stays in work/.
    fs.mkdirSync(env.TL_CACHE_DIR!, { recursive: true });
    fs.symlinkSync(cacheArea('native'), path.join(env.TL_CACHE_DIR!, 'native'), 'dir');
    for (const d of ['pack', 'cwd', 'scratch']) fs.mkdirSync(path.join(work, d));
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('npm pack builds dist/ in prepack and ships only bin, dist, the zoo registry, README, CHANGELOG', () => {
    // The clone's .npmrc turns scripts off for installs; packing needs prepack.
    const r = run('npm', ['pack', '--ignore-scripts=false', '--json', '--pack-destination', path.join(work, 'pack')], repo);
    expect(r.status).toBe(0);
    const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { filename: string; size: number; files: { path: string }[] }[];
    tarball = path.join(work, 'pack', info.filename);
    expect(fs.existsSync(tarball)).toBe(true);
    const files = info.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/tl', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'models/zoo.json', 'package.json', 'README.md', 'CHANGELOG.md']));
    expect(files.filter((f) => !/^(bin\/tl|dist\/.*\.(js|d\.ts)|models\/zoo\.json|package\.json|README\.md|CHANGELOG\.md)$/.test(f))).toEqual([]);
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('bench/'))).toBe(false);
    // eslint-disable-next-line no-console
    console.log(`tarball ${info.filename}: ${(info.size / 1024).toFixed(0)} kB, ${files.length} files`);
  }, STEP_TIMEOUT_MS);

  test('npm install -g --offline into a temporary prefix, then tl works from any folder', () => {
    const install = run('npm', ['install', '-g', '--offline', '--prefix', prefix(), tarball], work);
    expect(install.status).toBe(0);
    const cwd = path.join(work, 'cwd');

    const help = tl(['--help'], cwd);
    expect(help.status).toBe(0);
    for (const cmd of ['setup', 'doctor', 'pretrain', 'transfer', 'evaluate', 'predict']) expect(help.stdout).toContain(cmd);
    expect(help.stderr).not.toMatch(/compiling/);

    const version = tl(['--version'], cwd);
    expect(version.stdout.trim()).toBe(pkg.version);

    const setup = tl(['setup'], cwd);
    expect(setup.status).toBe(0);
    // The addon went into the global install, not into the clone.
    expect(setup.stdout + setup.stderr).toContain(`Addon and libraries in ${path.join(prefix(), 'lib', 'node_modules', pkg.name)}`);

    const doctor = tl(['doctor', '--json'], cwd);
    expect(doctor.status).toBe(0);
    expect(JSON.parse(doctor.stdout).backend).toBe('tensorflow');

    // The zoo registry ships with the package (models/zoo.json).
    const models = tl(['models', 'list', '--json'], cwd);
    expect(models.status).toBe(0);
    expect(models.stdout).toContain('mobilenet-v2-nsfwjs');

    const pretrain = tl(['pretrain', '--data', 'fashion-mnist:0-1', '--limit-per-class', '10', '--epochs', '1', '--out', 'runs/source'], cwd);
    expect(pretrain.status).toBe(0);
    const record = JSON.parse(fs.readFileSync(path.join(cwd, 'runs', 'source', 'tl.json'), 'utf8'));
    expect(record.tlVersion).toBe(pkg.version);
    expect(fs.existsSync(path.join(cwd, 'runs', 'source', 'model.json'))).toBe(true);
  }, STEP_TIMEOUT_MS);

  test('a scratch project installs the tarball and runs a tiny transfer through require(), no CLI', () => {
    const scratch = path.join(work, 'scratch');
    fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
    const install = run('npm', ['install', '--offline', tarball], scratch);
    expect(install.status).toBe(0);

    const script = `
      const tl = require(${JSON.stringify(pkg.name)});
      (async () => {
        await tl.ensureNativeBackend();
        const r = await tl.transfer({ base: process.argv[1], data: 'fashion-mnist:2-3', out: 'run', limitPerClass: 10, epochs: 2, fineTuneEpochs: 0 });
        process.stdout.write('RESULT ' + JSON.stringify({ classes: r.classes, outDir: r.outDir, from: require.resolve(${JSON.stringify(pkg.name)}) }) + '\\n');
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const r = run(process.execPath, ['-e', script, path.join(work, 'cwd', 'runs', 'source')], scratch);
    expect(r.status).toBe(0);
    const result = JSON.parse(/RESULT (.*)/.exec(r.stdout)![1]) as { classes: string[]; outDir: string; from: string };
    expect(result.classes).toHaveLength(2);
    expect(result.from).toBe(path.join(fs.realpathSync(scratch), 'node_modules', pkg.name, 'dist', 'index.js'));
    const record = JSON.parse(fs.readFileSync(path.join(scratch, 'run', 'tl.json'), 'utf8'));
    expect(record.kind).toBe('transfer');
    expect(record.tlVersion).toBe(pkg.version);

    // The published types: a TypeScript user of the package type-checks against dist/*.d.ts.
    fs.writeFileSync(
      path.join(scratch, 'use.ts'),
      `import { transfer, TransferOptions } from '${pkg.name}';\nconst o: Partial<TransferOptions> = { epochs: 1 };\nexport const run = () => transfer({ ...o, base: 'b', data: 'd', out: 'o' });\n`,
    );
    const tsc = run(process.execPath, [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--skipLibCheck', '--esModuleInterop', '--module', 'commonjs', '--moduleResolution', 'node', '--target', 'es2022', 'use.ts'], scratch);
    expect(tsc.status).toBe(0);
  }, STEP_TIMEOUT_MS);
});
