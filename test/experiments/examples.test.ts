// The files under examples/: the experiment files are valid and expand as their comments say;
// the CI files parse, the GitHub workflow passes a workflow-schema validator, and both shard the
// same experiment file over as many jobs as they declare, cache ~/.cache/tl and merge the results.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { validateWorkflow } from '@action-validator/core';
import { expandExperiments, parseExperimentFile } from '../../src/experiments';

const root = path.join(__dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
const planOf = (f: string) => expandExperiments(parseExperimentFile(f, read(f)), { fingerprint: (_k, v) => v, version: 't' });

test('examples/dropout.yaml: one transfer at dropout 0, 0.2 and 0.5', () => {
  expect(planOf('examples/dropout.yaml').map((r) => `${r.step} ${r.label}`)).toEqual(['transfer dropout=0', 'transfer dropout=0.2', 'transfer dropout=0.5']);
});

test('examples/transfer-vs-scratch.yaml: the source once, then transfer and scratch over 2 sizes x 3 seeds', () => {
  const runs = planOf('examples/transfer-vs-scratch.yaml');
  expect(runs.map((r) => r.experiment)).toEqual(['source', ...Array(6).fill('transfer'), ...Array(6).fill('scratch')]);
  const source = runs[0].id;
  expect(runs.filter((r) => r.experiment === 'transfer').every((r) => r.refs.base === source)).toBe(true);
  expect(runs.filter((r) => r.experiment === 'scratch').map((r) => r.label)).toEqual(runs.filter((r) => r.experiment === 'transfer').map((r) => r.label));
});

test('the GitHub Actions workflow is a valid workflow that shards, caches ~/.cache/tl and merges', () => {
  const text = read('examples/ci/github-actions.yml');
  const state = validateWorkflow(text);
  expect(state.errors).toEqual([]);
  const wf = parse(text);
  const shards: number[] = wf.jobs.shard.strategy.matrix.shard;
  const steps: { run?: string; uses?: string; with?: { path?: string } }[] = wf.jobs.shard.steps;
  expect(steps.find((s) => s.uses?.startsWith('actions/cache'))?.with?.path).toBe('~/.cache/tl');
  const run = steps.find((s) => s.run?.includes('tl run'))!.run!;
  expect(run).toContain(`--shard \${{ matrix.shard }}/${shards.length}`);
  expect(shards).toEqual(shards.map((_, i) => i + 1));
  const merge: { run?: string }[] = wf.jobs.merge.steps;
  expect(merge.some((s) => s.run?.includes('--merge'))).toBe(true);
  expect(merge.some((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))).toBe(true);
  expect(validateWorkflow(text.replace('runs-on: ubuntu-latest', 'runs-onn: ubuntu-latest')).errors.length).toBeGreaterThan(0);
});

test('the GitLab CI file parses, runs one shard per parallel job, caches the tl cache and reports junit', () => {
  const ci = parse(read('examples/ci/gitlab-ci.yml'));
  expect(ci.stages).toEqual(['experiments', 'summary']);
  expect(ci.experiments.parallel).toBeGreaterThan(1);
  expect(ci.experiments.script.join('\n')).toContain('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"');
  expect(ci.variables.TL_CACHE_DIR).toBe('$CI_PROJECT_DIR/.cache/tl');
  expect(ci.experiments.cache[0].paths).toEqual(['.cache/tl']);
  expect(ci.merge.script.join('\n')).toContain('--merge results/shard-*');
  expect(ci.merge.artifacts.reports.junit).toBe('results/all/junit.xml');
});

test("the README's smallest experiment file is valid and is one gated transfer", () => {
  const readme = read('README.md');
  const block = /## Experiment files[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const runs = expandExperiments(parseExperimentFile('few-shot.yaml', block!), { fingerprint: (_k, v) => v, version: 't' });
  expect(runs.map((r) => [r.step, r.gates])).toEqual([['transfer', { minAccuracy: 0.7 }]]);
});
