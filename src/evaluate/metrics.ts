// Classification metrics as pure functions over labels and probability rows: no TensorFlow,
// no I/O. Class indices are into the model's label list; probabilities are softmax outputs.

import { calibration, type Calibration } from './calibration';

/** One probability row per example, length = number of classes (a Float32Array works). */
export type ProbabilityRows = ReadonlyArray<ArrayLike<number>>;

export { calibration };
export type { Calibration, CalibrationBin } from './calibration';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of examples whose true class is this one. */
  support: number;
}

export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
}

export interface Mistake {
  id: string;
  trueIndex: number;
  predictedIndex: number;
  trueLabel: string;
  predictedLabel: string;
  /** Probability the model gave its (wrong) prediction. */
  probability: number;
  /** Probability the model gave the true class. */
  trueProbability: number;
}

export interface Metrics {
  count: number;
  labels: string[];
  accuracy: number;
  loss: number;
  /** Top-k accuracy, absent when k was not requested. */
  topK?: { k: number; accuracy: number };
  perClass: ClassMetrics[];
  macro: AveragedMetrics;
  weighted: AveragedMetrics;
  /** confusionMatrix[true][predicted] = count. */
  confusionMatrix: number[][];
  calibration: Calibration;
  mistakes: Mistake[];
}

export interface MetricsConfig {
  /** Top-k accuracy to report; undefined = none. */
  topK?: number;
  /** How many of the most confident mistakes to keep. */
  mistakes: number;
  /** Equal-width confidence bins for the expected calibration error. */
  calibrationBins: number;
  /** Probabilities are clipped to [eps, 1 - eps] before the log (Keras uses 1e-7). */
  lossEpsilon: number;
}

export function defaultMetricsConfig(): MetricsConfig {
  return { topK: undefined, mistakes: 12, calibrationBins: 15, lossEpsilon: 1e-7 };
}

/**
 * The default top-k: 5 when there are more than 5 classes; with 5 or fewer, top-5 is
 * trivially 1, so none is reported.
 */
export function defaultTopK(numClasses: number): number | undefined {
  return numClasses > 5 ? 5 : undefined;
}

/** Index of the largest value; ties go to the lowest index (as tf.argMax does). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

export function predictedClasses(probs: ProbabilityRows): number[] {
  return probs.map((row) => argmax(row));
}

export function checkLengths(yTrue: ArrayLike<number>, other: { length: number }, what: string): void {
  if (yTrue.length !== other.length) {
    throw new RangeError(`metrics: ${yTrue.length} true labels but ${other.length} ${what}`);
  }
}

/** Fraction of examples whose predicted class equals the true class; 0 for no examples. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkLengths(yTrue, yPred, 'predictions');
  if (yTrue.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/**
 * Mean categorical cross-entropy in nats, -log p(true class), from probabilities clipped to
 * [eps, 1 - eps] so a confident mistake costs about 16 nats instead of infinity.
 */
export function crossEntropy(yTrue: ArrayLike<number>, probs: ProbabilityRows, eps = 1e-7): number {
  checkLengths(yTrue, probs, 'probability rows');
  if (yTrue.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i][yTrue[i]]));
    sum -= Math.log(p);
  }
  return sum / yTrue.length;
}

/**
 * Fraction of examples whose true class is among the k most probable. A class tied with the
 * k-th probability counts as inside (fewer than k classes are strictly more probable).
 */
export function topKAccuracy(yTrue: ArrayLike<number>, probs: ProbabilityRows, k: number): number {
  checkLengths(yTrue, probs, 'probability rows');
  if (!(k >= 1)) throw new RangeError(`metrics: top-k needs k >= 1, got ${k}`);
  if (yTrue.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const row = probs[i];
    const pTrue = row[yTrue[i]];
    let higher = 0;
    for (let c = 0; c < row.length; c++) if (row[c] > pTrue) higher++;
    if (higher < k) hits++;
  }
  return hits / yTrue.length;
}

/** counts[true][predicted], numClasses x numClasses. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
  checkLengths(yTrue, yPred, 'predictions');
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) {
      throw new RangeError(`metrics: class index out of range at example ${i} (true ${t}, predicted ${p}, ${numClasses} classes)`);
    }
    m[t][p]++;
  }
  return m;
}

/** a / b, or 0 when b is 0 (a class never predicted has precision 0, as scikit-learn reports). */
export function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Precision, recall, F1 and support per class from a confusion matrix. */
export function perClassMetrics(cm: number[][], labels: string[]): ClassMetrics[] {
  const n = cm.length;
  return cm.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((s, v) => s + v, 0);
    let predicted = 0;
    for (let r = 0; r < n; r++) predicted += cm[r][c];
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    return { label: labels[c] ?? String(c), precision, recall, f1, support };
  });
}

/**
 * Macro (plain mean) and weighted (by support) averages. Classes that are neither in the data
 * nor ever predicted are left out: evaluating on a subset of the model's classes should not
 * be penalised for classes that could not occur. `predictedCounts[c]` = column sums.
 */
export function averages(perClass: ClassMetrics[], predictedCounts: number[]): { macro: AveragedMetrics; weighted: AveragedMetrics } {
  const present = perClass.filter((m, c) => m.support > 0 || predictedCounts[c] > 0);
  const macro: AveragedMetrics = { precision: 0, recall: 0, f1: 0 };
  const weighted: AveragedMetrics = { precision: 0, recall: 0, f1: 0 };
  if (present.length === 0) return { macro, weighted };
  const totalSupport = present.reduce((s, m) => s + m.support, 0);
  for (const m of present) {
    macro.precision += m.precision / present.length;
    macro.recall += m.recall / present.length;
    macro.f1 += m.f1 / present.length;
    if (totalSupport > 0) {
      weighted.precision += (m.precision * m.support) / totalSupport;
      weighted.recall += (m.recall * m.support) / totalSupport;
      weighted.f1 += (m.f1 * m.support) / totalSupport;
    }
  }
  return { macro, weighted };
}

/**
 * Order of mistakes: higher probability first; equal probabilities by id, so reports are
 * identical between runs.
 */
export function compareMistakes(a: { probability: number; id: string }, b: { probability: number; id: string }): number {
  return b.probability - a.probability || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The `n` wrong predictions made with the highest probability, most confident first. */
export function mostConfidentMistakes(
  ids: readonly string[],
  yTrue: ArrayLike<number>,
  probs: ProbabilityRows,
  labels: string[],
  n: number,
): Mistake[] {
  checkLengths(yTrue, probs, 'probability rows');
  checkLengths(yTrue, ids, 'ids');
  const wrong: Mistake[] = [];
  for (let i = 0; i < yTrue.length; i++) {
    const pred = argmax(probs[i]);
    const t = yTrue[i];
    if (pred === t) continue;
    wrong.push({
      id: ids[i],
      trueIndex: t,
      predictedIndex: pred,
      trueLabel: labels[t] ?? String(t),
      predictedLabel: labels[pred] ?? String(pred),
      probability: probs[i][pred],
      trueProbability: probs[i][t],
    });
  }
  wrong.sort(compareMistakes);
  return wrong.slice(0, Math.max(0, n));
}

/** Every figure `tl evaluate` reports, from true class indices and probability rows. */
export function computeMetrics(
  input: { labels: string[]; ids: readonly string[]; yTrue: ArrayLike<number>; probs: ProbabilityRows },
  overrides: Partial<MetricsConfig> = {},
): Metrics {
  const cfg: MetricsConfig = { ...defaultMetricsConfig(), ...overrides };
  const { labels, ids, yTrue, probs } = input;
  for (const row of probs) {
    if (row.length !== labels.length) {
      throw new RangeError(`metrics: probability rows have ${row.length} entries but there are ${labels.length} labels`);
    }
  }
  const yPred = predictedClasses(probs);
  const cm = confusionMatrix(yTrue, yPred, labels.length);
  const perClass = perClassMetrics(cm, labels);
  const predictedCounts = labels.map((_, c) => cm.reduce((s, row) => s + row[c], 0));
  const { macro, weighted } = averages(perClass, predictedCounts);
  const metrics: Metrics = {
    count: yTrue.length,
    labels: [...labels],
    accuracy: accuracy(yTrue, yPred),
    loss: crossEntropy(yTrue, probs, cfg.lossEpsilon),
    perClass,
    macro,
    weighted,
    confusionMatrix: cm,
    calibration: calibration(yTrue, probs, cfg.calibrationBins),
    mistakes: mostConfidentMistakes(ids, yTrue, probs, labels, cfg.mistakes),
  };
  if (cfg.topK !== undefined) metrics.topK = { k: cfg.topK, accuracy: topKAccuracy(yTrue, probs, cfg.topK) };
  return metrics;
}
