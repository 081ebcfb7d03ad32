// Per-experiment gates (minAccuracy, minF1, minClassRecall, maxLoss) checked against a run's
// measured figures. Pure; gates are not part of a run's id, so changing one re-judges stored runs.

/** What a finished run measured on its test split (or an evaluate step's data). */
export interface RunFigures {
  accuracy: number;
  loss: number;
  macroF1: number;
  /** recall of the worst class */
  minClassRecall: number;
  count: number;
  perClass: { label: string; recall: number; f1: number; support: number }[];
  /** pretrain/transfer: the validation figures of the finished model */
  valAccuracy?: number;
  valLoss?: number;
}

export interface GateVerdict {
  gate: string;
  bound: number;
  actual: number;
  passed: boolean;
}

const GATE_RULES: Record<string, { figure: (f: RunFigures) => number; atLeast: boolean }> = {
  minAccuracy: { figure: (f) => f.accuracy, atLeast: true },
  minF1: { figure: (f) => f.macroF1, atLeast: true },
  minClassRecall: { figure: (f) => f.minClassRecall, atLeast: true },
  maxLoss: { figure: (f) => f.loss, atLeast: false },
};

export function judgeGates(gates: Record<string, number>, figures: RunFigures): GateVerdict[] {
  return Object.entries(gates).map(([gate, bound]) => {
    const rule = GATE_RULES[gate];
    const actual = rule.figure(figures);
    return { gate, bound, actual, passed: rule.atLeast ? actual >= bound : actual <= bound };
  });
}

/** "minAccuracy: 0.8123 < 0.9" */
export function describeVerdict(v: GateVerdict): string {
  return `${v.gate}: ${v.actual.toFixed(4)} ${v.passed ? (v.gate.startsWith('min') ? '>=' : '<=') : v.gate.startsWith('min') ? '<' : '>'} ${v.bound}`;
}
