// `tl run` end to end on tiny MNIST runs (10 images a class, 1 epoch): a step's model as a later
// base, reuse of finished runs, an edit rerunning only what it touches, gates -> exit 1 and a
// junit failure, shards + merge equal to one unsharded run, and kill -9 then a resuming rerun.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const bin = path.join(__dirname, '..', '..', 'bin', 'tl');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-run-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function tl(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } });
}

const FILE = `# tiny: a source model, then two heads on it
defaults:
  limitPerClass: 10
  epochs: 1
  valSplit: 0.05
  testSplit: 0.05
experiments:
  - name: source
    step: pretrain
    data: mnist:0-2
  - name: head
    step: transfer
    base: source
    data: mnist:3-4
    fineTuneEpochs: 0
    matrix:
      dropout: [0, 0.5]
    gates:
      minAccuracy: 0.01
`;

interface Row {
  id: string;
  experiment: string;
  label: string;
  dir: string;
  verdict: string;
  figures: { accuracy: number; loss: number };
}
const results = (out: string): Row[] => JSON.parse(fs.readFileSync(path.join(dir, out, 'results.json'), 'utf8')).runs;
const recordTimes = (out: string) => Object.fromEntries(results(out).map((r) => [r.id, fs.statSync(path.join(dir, out, r.dir, 'run.json')).mtimeMs]));
const write = (text: string) => fs.writeFileSync(path.join(dir, 'tiny.yaml'), text);

test('runs the file, uses a step as a later base, and reruns only what an edit touched', () => {
  write(FILE);
  const first = tl('run', 'tiny.yaml');
  expect(first.stderr).toMatch(/\[3\/3\] transfer head \[dropout=0\.5\]/);
  expect(first.status).toBe(0);
  const rows = results('runs/tiny');
  expect(rows.map((r) => `${r.experiment} ${r.label} ${r.verdict}`)).toEqual(['source  none', 'head dropout=0 pass', 'head dropout=0.5 pass']);
  for (const f of ['results.csv', 'summary.md', 'junit.xml']) expect(fs.existsSync(path.join(dir, 'runs/tiny', f))).toBe(true);
  // the heads were trained on the source step's model
  const tlJson = JSON.parse(fs.readFileSync(path.join(dir, 'runs/tiny', rows[1].dir, 'model', 'tl.json'), 'utf8'));
  expect(JSON.stringify(tlJson)).toContain(path.join(rows[0].dir, 'model'));

  const before = recordTimes('runs/tiny');
  const again = tl('run', 'tiny.yaml');
  expect(again.status).toBe(0);
  expect(again.stderr.match(/already finished/g)).toHaveLength(3);
  expect(recordTimes('runs/tiny')).toEqual(before);

  write(FILE.replace('dropout: [0, 0.5]', 'dropout: [0, 0.4]'));
  const edited = tl('run', 'tiny.yaml');
  expect(edited.status).toBe(0);
  expect(edited.stderr.match(/already finished/g)).toHaveLength(2);
  expect(edited.stderr).toMatch(/\[3\/3\] transfer head \[dropout=0\.4\] \w+: ok in/);
  const after = recordTimes('runs/tiny');
  const rerun = Object.keys(after).filter((id) => before[id] !== after[id]);
  expect(rerun).toEqual([results('runs/tiny')[2].id]);
  expect(before[rerun[0]]).toBeUndefined();
});

test('a failed gate exits 1 with a junit failure, without training again', () => {
  write(FILE.replace('dropout: [0, 0.5]', 'dropout: [0, 0.4]').replace('minAccuracy: 0.01', 'minAccuracy: 0.999'));
  const r = tl('run', 'tiny.yaml');
  expect(r.stderr.match(/already finished/g)).toHaveLength(3);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/2 runs did not meet a gate/);
  const junit = fs.readFileSync(path.join(dir, 'runs/tiny/junit.xml'), 'utf8');
  expect(junit.match(/<failure message="minAccuracy: [\d.]+ &lt; 0\.999"\/>/g)).toHaveLength(2);
  expect(junit).toMatch(/<testsuites name="tiny.yaml" tests="3" failures="2" errors="0">/);
  expect(fs.readFileSync(path.join(dir, 'runs/tiny/summary.md'), 'utf8')).toMatch(/\*\*FAIL\*\* minAccuracy/);
});

test('shard 1/2 and 2/2 merged equal the unsharded results', () => {
  write(FILE.replace('dropout: [0, 0.5]', 'dropout: [0, 0.4]'));
  // the unsharded results under these gates (every run is reused)
  expect(tl('run', 'tiny.yaml').status).toBe(0);
  expect(tl('run', 'tiny.yaml', '--shard', '1/2', '--out', 'shard-1').status).toBe(0);
  const s2 = tl('run', 'tiny.yaml', '--shard', '2/2', '--out', 'shard-2');
  expect(s2.stderr).toMatch(/pretrain source \w+ \(needed by the runs selected\)/);
  expect(s2.status).toBe(0);
  expect(results('shard-1').map((r) => r.label)).toEqual(['', 'dropout=0.4']);
  expect(results('shard-2').map((r) => r.label)).toEqual(['dropout=0']);
  expect(tl('run', 'tiny.yaml', '--merge', 'shard-1', 'shard-2', '--out', 'merged').status).toBe(0);
  const table = (out: string) => results(out).map((r) => [r.id, r.label, r.verdict, r.figures.accuracy, r.figures.loss]);
  expect(table('merged')).toEqual(table('runs/tiny'));
});

test('kill -9 in the middle, then a rerun finishes only what was missing', async () => {
  write(FILE);
  const child = spawn(process.execPath, [bin, 'run', 'tiny.yaml', '--out', 'killed'], { cwd: dir, stdio: 'ignore', detached: true });
  const firstRecord = () => fs.readdirSync(path.join(dir, 'killed'), { withFileTypes: true }).some((e) => e.isDirectory() && fs.existsSync(path.join(dir, 'killed', e.name, 'run.json')));
  const deadline = Date.now() + 240_000;
  while (!(fs.existsSync(path.join(dir, 'killed')) && firstRecord()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  process.kill(-child.pid!, 'SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const finished = fs.readdirSync(path.join(dir, 'killed')).filter((d) => fs.existsSync(path.join(dir, 'killed', d, 'run.json')));
  expect(finished.length).toBeGreaterThanOrEqual(1);
  expect(fs.existsSync(path.join(dir, 'killed', 'results.json'))).toBe(false);
  const r = tl('run', 'tiny.yaml', '--out', 'killed');
  expect(r.status).toBe(0);
  expect(r.stderr.match(/already finished/g)).toHaveLength(finished.length);
  expect(r.stderr.match(/: ok in/g)).toHaveLength(3 - finished.length);
  expect(results('killed').map((x) => x.verdict)).toEqual(['none', 'pass', 'pass']);
});

test('a crashing run is reported and the others go on; --fail-fast stops at it', () => {
  fs.writeFileSync(
    path.join(dir, 'crash.yaml'),
    `experiments:
  - { name: broken, step: pretrain, data: ./no-such-folder, epochs: 1 }
  - { name: on-broken, step: transfer, base: broken, data: mnist:3-4, epochs: 1, fineTuneEpochs: 0, limitPerClass: 10 }
  - { name: fine, step: pretrain, data: mnist:0-1, epochs: 1, limitPerClass: 10, valSplit: 0.05, testSplit: 0.05 }
`,
  );
  const stopped = tl('run', 'crash.yaml', '--fail-fast', '--out', 'crash-ff');
  expect(stopped.status).toBe(3); // the data error of the crashed run
  expect(results('crash-ff').map((r) => `${r.experiment} ${r.verdict}`)).toEqual(['broken crashed']);
  const r = tl('run', 'crash.yaml', '--out', 'crash');
  expect(r.status).toBe(3);
  expect(r.stderr).toMatch(/\[1\/3\] pretrain broken \w+: crashed: .*no-such-folder/);
  expect(results('crash').map((x) => `${x.experiment} ${x.verdict}`)).toEqual(['broken crashed', 'on-broken crashed', 'fine none']);
  const junit = fs.readFileSync(path.join(dir, 'crash', 'junit.xml'), 'utf8');
  expect(junit).toMatch(/errors="2"/);
  expect(junit).toMatch(/<error message="not run: base names run \w+ of &quot;broken&quot;, which crashed">/);
});
