// The CI quality gate of `tl evaluate`: compares metrics with --min-* thresholds. Pure; the
// CLI turns a failed gate into a ThresholdError (exit code 1).
import type { Metrics } from './metrics';

export interface Thresholds {
  /** Minimum overall accuracy, 0..1. */
  minAccuracy?: number;
  /** Minimum macro-averaged F1, 0..1. */
  minF1?: number;
}

export interface ThresholdCheck {
  name: 'accuracy' | 'macro F1';
  flag: '--min-accuracy' | '--min-f1';
  required: number;
  actual: number;
  passed: boolean;
  /** required - actual when failed (how far below), else 0. */
  shortBy: number;
}

export interface GateResult {
  passed: boolean;
  checks: ThresholdCheck[];
}

export function checkThresholds(m: Pick<Metrics, 'accuracy' | 'macro'>, t: Thresholds): GateResult {
  const checks: ThresholdCheck[] = [];
  const add = (name: ThresholdCheck['name'], flag: ThresholdCheck['flag'], required: number | undefined, actual: number) => {
    if (required === undefined) return;
    const passed = actual >= required;
    checks.push({ name, flag, required, actual, passed, shortBy: passed ? 0 : required - actual });
  };
  add('accuracy', '--min-accuracy', t.minAccuracy, m.accuracy);
  add('macro F1', '--min-f1', t.minF1, m.macro.f1);
  return { passed: checks.every((c) => c.passed), checks };
}

/** One line per failed check, e.g. "accuracy 0.8123 is below --min-accuracy 0.9 by 0.0877". */
export function describeFailures(g: GateResult): string[] {
  return g.checks
    .filter((c) => !c.passed)
    .map((c) => `${c.name} ${c.actual.toFixed(4)} is below ${c.flag} ${c.required} by ${c.shortBy.toFixed(4)}`);
}
