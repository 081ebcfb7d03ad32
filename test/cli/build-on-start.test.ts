// bin/tl builds dist/ from src/ when it is missing (a fresh clone) and again when a source is
// newer than its build (after `git pull` or an edit), so the command never runs old code.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repo = path.join(__dirname, '..', '..');
let copy: string;

beforeAll(() => {
  // A checkout without dist/: the files bin/tl and its compiler read, node_modules linked.
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-build-on-start-'));
  for (const name of ['bin', 'src']) fs.cpSync(path.join(repo, name), path.join(copy, name), { recursive: true });
  for (const name of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) fs.copyFileSync(path.join(repo, name), path.join(copy, name));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
});

afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

function tl(...args: string[]) {
  return spawnSync(process.execPath, [path.join(copy, 'bin', 'tl'), ...args], { encoding: 'utf8', timeout: 300_000 });
}

test('first run compiles, a later run does not, a changed source is compiled again', () => {
  const version = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version;
  const first = tl('--version');
  expect(first.status).toBe(0);
  expect(first.stderr).toMatch(/first run, compiling/);
  expect(first.stdout.trim()).toBe(version);

  const second = tl('--version');
  expect(second.status).toBe(0);
  expect(second.stderr).toBe('');

  // An edit that changes behaviour: the next start must run it, not the old build.
  const programTs = path.join(copy, 'src', 'cli', 'program.ts');
  const text = fs.readFileSync(programTs, 'utf8');
  expect(text).toContain("'print the tl version'");
  fs.writeFileSync(programTs, text.replace("'print the tl version'", "'print the tl version (edited)'"));
  const later = new Date(Date.now() + 5_000);
  fs.utimesSync(programTs, later, later);
  const third = tl('--help');
  expect(third.status).toBe(0);
  expect(third.stderr).toMatch(/sources changed since the last build, compiling/);
  expect(third.stdout).toContain('print the tl version (edited)');
}, 600_000);

test('an installed package (dist/, no src/) never compiles; without dist/ it says to reinstall', () => {
  // Same layout as the packed tarball: bin/tl, dist/, package.json; no src/, no bin/compile.js.
  const installed = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-installed-'));
  try {
    fs.mkdirSync(path.join(installed, 'bin'));
    fs.copyFileSync(path.join(repo, 'bin', 'tl'), path.join(installed, 'bin', 'tl'));
    fs.cpSync(path.join(copy, 'dist'), path.join(installed, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(repo, 'package.json'), path.join(installed, 'package.json'));
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(installed, 'node_modules'), 'dir');
    const run = () => spawnSync(process.execPath, [path.join(installed, 'bin', 'tl'), '--version'], { encoding: 'utf8', timeout: 60_000 });
    const ok = run();
    expect(ok.status).toBe(0);
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version);

    fs.rmSync(path.join(installed, 'dist'), { recursive: true });
    const broken = run();
    expect(broken.status).toBe(70);
    expect(broken.stderr).toMatch(/has no .*main\.js.*Reinstall/);
    expect(fs.existsSync(path.join(installed, 'dist'))).toBe(false);
  } finally {
    fs.rmSync(installed, { recursive: true, force: true });
  }
}, 120_000);
