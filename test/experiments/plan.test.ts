// Experiment files without TensorFlow: validation messages (line, nearest names), the shipped
// schema, matrix expansion, references to earlier steps, run ids and shards. Milliseconds.
import * as fs from 'fs';
import * as path from 'path';
import { expandExperiments, experimentJsonSchema, parseExperimentFile, parseShard, selectShard, type PlannedRun } from '../../src/experiments';
import { UsageError } from '../../src/errors';

const plan = (text: string, fingerprint = (_k: string, v: string) => `name:${v}`): PlannedRun[] =>
  expandExperiments(parseExperimentFile('x.yaml', text), { fingerprint, version: 'test' });

function problems(text: string): string {
  try {
    parseExperimentFile('x.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected the file to be refused');
}

const FILE = `
defaults:
  data: mnist:3-4
  limitPerClass: 10
experiments:
  - name: source
    step: pretrain
    data: mnist:0-2
    matrix:
      seed: [1, 2]
  - name: head
    step: transfer
    base: source
    matrix:
      seed: [1, 2]
      dropout: [0, 0.5]
    gates: { minAccuracy: 0.5 }
  - name: check
    step: evaluate
    model: head
`;

test('the shipped schema is the one the option table generates', () => {
  const shipped = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'experiment.schema.json'), 'utf8'));
  expect(shipped).toEqual(experimentJsonSchema());
});

test('typos are reported with their line and the nearest valid names, all at once', () => {
  const msg = problems(`defaults:\n  limitPerClas: 10\nexperiments:\n  - name: a\n    step: pretrain\n    data: mnist\n    dropout: 0.2\n  - name: b\n    step: transfr\n  - name: c\n    step: transfer\n    base: a\n    data: mnist\n    matrix:\n      droput: [0, 1]\n    gates: { minAcuracy: 1 }\n`);
  expect(msg).toMatch(/x\.yaml:2: unknown option "limitPerClas"; did you mean "limitPerClass"\?/);
  expect(msg).toMatch(/x\.yaml:7: "dropout" is not an option of a pretrain step/);
  expect(msg).toMatch(/x\.yaml:9: step must be .*did you mean "transfer"\?/);
  expect(msg).toMatch(/x\.yaml:15: unknown option "droput"; did you mean "dropout"\?/);
  expect(msg).toMatch(/x\.yaml:16: unknown gate "minAcuracy"; did you mean "minAccuracy"\?/);
  expect(msg).toMatch(/5 problems; nothing was run/);
});

test('wrong types, missing options, later references and JSON syntax errors are refused', () => {
  expect(problems('experiments:\n  - name: a\n    step: pretrain\n    data: mnist\n    epochs: many\n')).toMatch(/x\.yaml:5: epochs must be a whole number or "auto"/);
  expect(problems('experiments:\n  - name: a\n    step: transfer\n    data: mnist\n')).toMatch(/x\.yaml:2: transfer step "a" needs base/);
  expect(problems('experiments:\n  - name: a\n    step: transfer\n    base: b\n    data: m\n  - name: b\n    step: pretrain\n    data: m\n')).toMatch(/x\.yaml:4: base "b" names a later step/);
  expect(() => parseExperimentFile('x.json', '{"experiments": [\n  {"name": "a",, }\n]}')).toThrow(/x\.json:2: not valid YAML\/JSON/);
});

test('JSON files read like YAML ones', () => {
  const runs = expandExperiments(parseExperimentFile('x.json', JSON.stringify({ experiments: [{ name: 'a', step: 'pretrain', data: 'mnist', matrix: { lr: [0.1, 0.01] } }] })), { fingerprint: (_k, v) => v, version: 't' });
  expect(runs.map((r) => r.label)).toEqual(['lr=0.1', 'lr=0.01']);
});

test('the matrix expands to every combination, defaults apply, and a base pairs on shared matrix keys', () => {
  const runs = plan(FILE);
  expect(runs.map((r) => `${r.experiment} ${r.label}`)).toEqual([
    'source seed=1',
    'source seed=2',
    'head seed=1 dropout=0',
    'head seed=1 dropout=0.5',
    'head seed=2 dropout=0',
    'head seed=2 dropout=0.5',
    // evaluate fans out over every head run (it shares no matrix key to pair on)
    ...['seed=1 dropout=0', 'seed=1 dropout=0.5', 'seed=2 dropout=0', 'seed=2 dropout=0.5'].map((l) => `check model:head[${l}]`),
  ]);
  const [s1, s2, h] = runs;
  expect(h.options).toMatchObject({ data: 'mnist:3-4', limitPerClass: 10, base: 'source', seed: 1, dropout: 0 });
  expect(s1.options.data).toBe('mnist:0-2');
  expect(runs[2].refs.base).toBe(s1.id);
  expect(runs[4].refs.base).toBe(s2.id);
  expect(runs[6].options.limitPerClass).toBeUndefined(); // defaults are for pretrain/transfer only
  expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
});

test('editing one value changes only the ids it reaches; gates and key order change none', () => {
  const before = plan(FILE);
  const after = plan(FILE.replace('dropout: [0, 0.5]', 'dropout: [0, 0.4]'));
  const changed = before.filter((r, i) => r.id !== after[i].id).map((r) => `${r.experiment} ${r.label}`);
  expect(changed).toEqual(['head seed=1 dropout=0.5', 'head seed=2 dropout=0.5', 'check model:head[seed=1 dropout=0.5]', 'check model:head[seed=2 dropout=0.5]']);
  // the source's change reaches every run built on it
  const source = plan(FILE.replace('data: mnist:0-2', 'data: mnist:0-3'));
  expect(before.filter((r, i) => r.id === source[i].id)).toEqual([]);
  expect(plan(FILE.replace('minAccuracy: 0.5', 'minAccuracy: 0.9')).map((r) => r.id)).toEqual(before.map((r) => r.id));
  expect(plan(FILE.replace('data: mnist:3-4\n  limitPerClass: 10', 'limitPerClass: 10\n  data: mnist:3-4')).map((r) => r.id)).toEqual(before.map((r) => r.id));
  // a changed input (same text, other content) changes the ids that read it
  const touched = plan(FILE, (_k, v) => (v === 'mnist:3-4' ? 'changed' : `name:${v}`));
  expect(touched.filter((r, i) => r.id === before[i].id).map((r) => r.experiment)).toEqual(['source', 'source']);
});

test('shards split the runs exactly once between them and bring the earlier runs they need', () => {
  const runs = plan(FILE);
  expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
  expect(parseShard('0/3')).toBeUndefined();
  expect(parseShard('4/3')).toBeUndefined();
  const shards = [1, 2, 3].map((i) => selectShard(runs, i, 3));
  expect(shards.flatMap((s) => s.own.map((r) => r.index)).sort((a, b) => a - b)).toEqual(runs.map((r) => r.index));
  for (const s of shards) {
    const have = new Set([...s.own, ...s.needed].map((r) => r.id));
    for (const r of s.own) for (const id of Object.values(r.refs)) expect(have.has(id)).toBe(true);
  }
});
