// The results of a batch of runs as files: results.json and results.csv (one row per run: config,
// metrics, time, gate verdict), summary.md (a Markdown table for a CI job summary) and junit.xml
// (one test case per gate, so CI shows failed gates natively). Pure text builders.
import { csvLine } from '../report/files';
import { escapeXml } from '../report/svg';
import { describeVerdict, judgeGates, type GateVerdict, type RunFigures } from './gates';
import type { PlannedRun } from './expand';
import type { OptionValues } from './parse';
import { gains, gainsMarkdown } from './gains';

/** run.json in a run's folder: written once the run finished (or crashed). */
export interface RunRecord {
  id: string;
  experiment: string;
  step: PlannedRun['step'];
  label: string;
  dir: string;
  options: OptionValues;
  matrix: Record<string, unknown>;
  refs: Record<string, string>;
  status: 'ok' | 'crashed';
  error?: { message: string; hint?: string; exitCode: number };
  seconds: number;
  figures?: RunFigures;
}

export interface ResultRow extends RunRecord {
  gates: GateVerdict[];
  /** 'pass', 'fail' (a gate not met), 'none' (no gates), 'crashed' */
  verdict: 'pass' | 'fail' | 'none' | 'crashed';
}

export function resultRow(record: RunRecord, gates: Record<string, number>): ResultRow {
  const verdicts = record.figures ? judgeGates(gates, record.figures) : [];
  const verdict = record.status === 'crashed' ? 'crashed' : verdicts.length === 0 ? 'none' : verdicts.every((v) => v.passed) ? 'pass' : 'fail';
  return { ...record, gates: verdicts, verdict };
}

export interface ResultsSummary {
  runs: number;
  passed: number;
  failedGates: number;
  crashed: number;
}

/** "3 runs: 2 ok, 1 failed a gate, 0 crashed." */
export function describeSummary(s: ResultsSummary): string {
  return `${s.runs} run${s.runs === 1 ? '' : 's'}: ${s.passed} ok, ${s.failedGates} failed a gate, ${s.crashed} crashed.`;
}

export function summarise(rows: ResultRow[]): ResultsSummary {
  return {
    runs: rows.length,
    passed: rows.filter((r) => r.verdict === 'pass' || r.verdict === 'none').length,
    failedGates: rows.filter((r) => r.verdict === 'fail').length,
    crashed: rows.filter((r) => r.verdict === 'crashed').length,
  };
}

const FIGURE_COLUMNS = ['accuracy', 'macroF1', 'minClassRecall', 'loss', 'valAccuracy', 'count'] as const;

function optionColumns(rows: ResultRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.options)) names.add(k);
  return [...names].sort();
}

const cell = (v: unknown): string | number => (v === undefined ? '' : typeof v === 'number' ? v : Array.isArray(v) ? v.join(' ') : String(v));

export function resultsCsv(rows: ResultRow[]): string {
  const options = optionColumns(rows);
  const header = ['id', 'experiment', 'step', 'label', 'status', 'verdict', 'seconds', ...FIGURE_COLUMNS, 'gates', ...options];
  const lines = rows.map((r) =>
    csvLine([r.id, r.experiment, r.step, r.label, r.status, r.verdict, r.seconds.toFixed(1), ...FIGURE_COLUMNS.map((c) => cell(r.figures?.[c])), r.gates.map(describeVerdict).join('; '), ...options.map((o) => cell(r.options[o]))]),
  );
  return [csvLine(header), ...lines].join('\n') + '\n';
}

const pct = (v: number | undefined) => (v === undefined ? '' : `${(v * 100).toFixed(1)}%`);
const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const VERDICT_TEXT: Record<ResultRow['verdict'], string> = { pass: 'pass', none: 'ok', fail: '**FAIL**', crashed: '**CRASHED**' };

/** `baselines`: experiment -> the experiment its runs are set against (gain tables below the runs). */
export function summaryMarkdown(title: string, rows: ResultRow[], baselines: Record<string, string> = {}): string {
  const s = summarise(rows);
  const lines = [
    `## ${mdCell(title)}`,
    '',
    describeSummary(s),
    '',
    '| run | step | settings | accuracy | macro F1 | worst class recall | loss | time | gates |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const f = r.figures;
    const gates = r.verdict === 'crashed' ? mdCell(r.error?.message ?? 'crashed') : r.gates.length ? r.gates.map(describeVerdict).join('; ') : '';
    lines.push(
      `| ${mdCell(r.experiment)} | ${r.step} | ${mdCell(r.label)} | ${pct(f?.accuracy)} | ${f ? f.macroF1.toFixed(3) : ''} | ${pct(f?.minClassRecall)} | ${f ? f.loss.toFixed(3) : ''} | ${r.seconds.toFixed(0)} s | ${VERDICT_TEXT[r.verdict]}${gates ? ` ${mdCell(gates)}` : ''} |`,
    );
  }
  lines.push(...gainsMarkdown(gains(rows, baselines)));
  return lines.join('\n') + '\n';
}

/** JUnit XML: a suite per experiment, a case per gate (or one "runs" case for a run without gates). */
export function junitXml(title: string, rows: ResultRow[]): string {
  const suites = new Map<string, ResultRow[]>();
  for (const r of rows) suites.set(r.experiment, [...(suites.get(r.experiment) ?? []), r]);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const cases = (r: ResultRow): string[] => {
    const name = (g: string) => escapeXml(`${r.label ? `${r.label} ` : ''}${g} [${r.id}]`);
    const attrs = (g: string) => `classname="${escapeXml(`tl.${r.experiment}`)}" name="${name(g)}" time="${r.seconds.toFixed(3)}"`;
    if (r.verdict === 'crashed') return [`    <testcase ${attrs('run')}><error message="${escapeXml(r.error?.message ?? 'crashed')}">${escapeXml(r.error?.hint ?? '')}</error></testcase>`];
    if (r.gates.length === 0) return [`    <testcase ${attrs('run')}/>`];
    return r.gates.map((v) => (v.passed ? `    <testcase ${attrs(v.gate)}/>` : `    <testcase ${attrs(v.gate)}><failure message="${escapeXml(describeVerdict(v))}"/></testcase>`));
  };
  const all = [...suites.values()].flat();
  const count = (rs: ResultRow[]) => rs.reduce((n, r) => n + Math.max(1, r.verdict === 'crashed' ? 1 : r.gates.length), 0);
  const failures = (rs: ResultRow[]) => rs.reduce((n, r) => n + r.gates.filter((g) => !g.passed).length, 0);
  const errors = (rs: ResultRow[]) => rs.filter((r) => r.verdict === 'crashed').length;
  out.push(`<testsuites name="${escapeXml(title)}" tests="${count(all)}" failures="${failures(all)}" errors="${errors(all)}">`);
  for (const [name, rs] of suites) {
    out.push(`  <testsuite name="${escapeXml(name)}" tests="${count(rs)}" failures="${failures(rs)}" errors="${errors(rs)}">`);
    for (const r of rs) out.push(...cases(r));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** results.json: the rows and the counts. */
export function resultsJson(title: string, rows: ResultRow[], baselines: Record<string, string> = {}): string {
  return JSON.stringify({ title, summary: summarise(rows), gains: gains(rows, baselines), runs: rows }, null, 2) + '\n';
}
