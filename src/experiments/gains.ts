// What an experiment gains over its baseline (an experiment's `baseline` key): its runs set
// against the baseline's runs of the same settings, test accuracy in points, and the mean. Pure.
import type { ResultRow } from './results';

export interface GainRow {
  label: string;
  accuracy: number;
  baselineAccuracy: number;
  /** accuracy - baselineAccuracy, in percentage points */
  points: number;
}

export interface Gain {
  experiment: string;
  baseline: string;
  rows: GainRow[];
  meanPoints?: number;
}

/** One Gain per experiment with a baseline; runs without a finished counterpart are left out. */
export function gains(rows: ResultRow[], baselines: Record<string, string>): Gain[] {
  return Object.entries(baselines).map(([experiment, baseline]) => {
    const pairs: GainRow[] = [];
    for (const r of rows.filter((x) => x.experiment === experiment && x.figures)) {
      const b = rows.find((x) => x.experiment === baseline && x.label === r.label && x.figures);
      if (b) pairs.push({ label: r.label, accuracy: r.figures!.accuracy, baselineAccuracy: b.figures!.accuracy, points: (r.figures!.accuracy - b.figures!.accuracy) * 100 });
    }
    const meanPoints = pairs.length ? pairs.reduce((s, p) => s + p.points, 0) / pairs.length : undefined;
    return { experiment, baseline, rows: pairs, meanPoints };
  });
}

const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;

/** Markdown: a table per experiment with a baseline, ending with the mean gain. */
export function gainsMarkdown(list: Gain[]): string[] {
  const lines: string[] = [];
  for (const g of list) {
    lines.push('', `### ${g.experiment} against ${g.baseline}`, '');
    if (g.rows.length === 0) {
      lines.push(`No runs of ${g.experiment} and ${g.baseline} with the same settings finished.`);
      continue;
    }
    lines.push(`| settings | ${g.experiment} | ${g.baseline} | gain (points) |`, '| --- | ---: | ---: | ---: |');
    for (const r of g.rows) lines.push(`| ${r.label || '(all)'} | ${(r.accuracy * 100).toFixed(1)}% | ${(r.baselineAccuracy * 100).toFixed(1)}% | ${signed(r.points)} |`);
    lines.push(`| **mean** | | | **${signed(g.meanPoints!)}** |`);
  }
  return lines;
}
