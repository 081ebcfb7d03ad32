// --jobs scheduling without processes: a fake start writes run.json after a delay; no more than
// `jobs` runs at once, a run starts only after the runs it builds on, a crash ends its dependants.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expandExperiments, parseExperimentFile, runParallel, threadsPerJob, type PlannedRun } from '../../src/experiments';

const FILE = `experiments:
  - { name: src, step: pretrain, data: d, matrix: { seed: [1, 2] } }
  - { name: head, step: transfer, base: src, data: d, matrix: { seed: [1, 2], dropout: [0, 0.5] } }
`;
const plan = expandExperiments(parseExperimentFile('x.yaml', FILE), { fingerprint: (_k, v) => v, version: 't' });

async function schedule(jobs: number, crash: (r: PlannedRun) => boolean) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-jobs-'));
  let active = 0;
  let most = 0;
  const order: string[] = [];
  const records = await runParallel({
    out,
    runs: plan,
    jobs,
    force: false,
    failFast: false,
    start: async (run) => {
      active++;
      most = Math.max(most, active);
      order.push(run.id);
      await new Promise((r) => setTimeout(r, 20));
      const { id, experiment, step, label, dir, options, matrix, refs } = run;
      fs.mkdirSync(path.join(out, dir), { recursive: true });
      fs.writeFileSync(path.join(out, dir, 'run.json'), JSON.stringify({ id, experiment, step, label, dir, options, matrix, refs, status: crash(run) ? 'crashed' : 'ok', seconds: 0 }));
      active--;
    },
  });
  fs.rmSync(out, { recursive: true, force: true });
  return { records, most, order };
}

test('at most `jobs` at once, dependencies first, records in file order', async () => {
  const { records, most, order } = await schedule(2, () => false);
  expect(most).toBe(2);
  expect(records.map((r) => r.id)).toEqual(plan.map((r) => r.id));
  for (const r of plan) for (const dep of Object.values(r.refs)) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(r.id));
});

test('a crashed run ends the runs built on it without starting them', async () => {
  const { records, order } = await schedule(3, (r) => r.experiment === 'src' && r.options.seed === 1);
  expect(order).toHaveLength(4); // 2 sources + the 2 heads on seed 2
  expect(records.filter((r) => r.status === 'crashed').map((r) => r.label)).toEqual(['seed=1', 'seed=1 dropout=0', 'seed=1 dropout=0.5']);
});

test('threads are divided between jobs, at least one each', () => {
  expect(threadsPerJob(8, 2)).toBe(4);
  expect(threadsPerJob(2, 4)).toBe(1);
});
