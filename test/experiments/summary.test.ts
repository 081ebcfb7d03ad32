// summary.md with a baseline: each run set against the baseline's run of the same settings, the
// gain in points and its mean; `baseline` must name another experiment of the file.
import { gains, parseExperimentFile, resultRow, summaryMarkdown, type RunRecord } from '../../src/experiments';

function record(experiment: string, label: string, accuracy: number): RunRecord {
  const figures = { accuracy, loss: 0.5, macroF1: accuracy, minClassRecall: accuracy, count: 100, perClass: [] };
  return { id: `${experiment}-${label}`, experiment, step: 'transfer', label, dir: 'd', options: {}, matrix: {}, refs: {}, status: 'ok', seconds: 1, figures };
}

test('gains pair runs by settings and average them', () => {
  const rows = [record('transfer', 'seed=1', 0.85), record('transfer', 'seed=2', 0.8), record('transfer', 'seed=3', 0.9), record('scratch', 'seed=1', 0.8), record('scratch', 'seed=2', 0.81)].map((r) => resultRow(r, {}));
  const [g] = gains(rows, { transfer: 'scratch' });
  expect(g.rows.map((r) => [r.label, Number(r.points.toFixed(1))])).toEqual([['seed=1', 5], ['seed=2', -1]]);
  expect(g.meanPoints).toBeCloseTo(2);
  const md = summaryMarkdown('t', rows, { transfer: 'scratch' });
  expect(md).toContain('### transfer against scratch');
  expect(md).toContain('| seed=1 | 85.0% | 80.0% | +5.0 |');
  expect(md).toContain('| **mean** | | | **+2.0** |');
});

test('a baseline must name another experiment', () => {
  const file = (b: string) => `experiments:\n  - { name: a, step: pretrain, data: d }\n  - { name: b, step: pretrain, data: d, baseline: ${b} }\n`;
  expect(parseExperimentFile('x.yaml', file('a')).experiments[1].baseline).toBe('a');
  expect(() => parseExperimentFile('x.yaml', file('aa'))).toThrow(/x\.yaml:3: baseline "aa" is not another experiment of this file; did you mean "a"\?/);
  expect(() => parseExperimentFile('x.yaml', file('b'))).toThrow(/baseline "b" is not another experiment/);
});
