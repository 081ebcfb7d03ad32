// A linear probe: multinomial logistic regression fitted full-batch on standardized features,
// scored by stratified k-fold cross-validation. How well a linear layer on a representation
// can separate the classes; the same probe on pixels and on a random network is the baseline.
import { loadTf } from '../native/load';
import { DataError } from '../errors';
import { deriveSeed, makeRandom, shuffled } from '../random';

export interface ProbeConfig {
  /** folds of the cross-validation; fewer when the smallest class has fewer examples (at least 2) */
  folds: number;
  /** full-batch Adam steps per fit */
  steps: number;
  learningRate: number;
  /** L2 penalty on the weights (lambda/2 * sum of squares), per example */
  l2: number;
  seed: number;
}

/**
 * Defaults measured on standardized features: 300 full-batch Adam steps at 0.05 bring the
 * training loss of a few hundred examples close to its minimum; the small L2 keeps separable
 * classes from driving weights to infinity.
 */
export function defaultProbeConfig(): ProbeConfig {
  return { folds: 5, steps: 300, learningRate: 0.05, l2: 1e-3, seed: 42 };
}

/** Rows of a row-major [n, d] matrix. */
export interface Matrix {
  x: Float32Array;
  rows: number;
  cols: number;
}

export interface ProbeScore {
  /** accuracy over all held-out rows of all folds */
  accuracy: number;
  /** standard deviation of the per-fold accuracies */
  sd: number;
  folds: number;
  /** 1 where the row was classified correctly when held out, else 0 (for paired comparisons) */
  correct: Uint8Array;
}

/** Fold number of each row: every class is shuffled (seeded) and dealt round-robin, so each fold holds every class. */
export function stratifiedFolds(labels: ArrayLike<number>, folds: number, seed: number): Int32Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const rows = byClass.get(labels[i]) ?? [];
    rows.push(i);
    byClass.set(labels[i], rows);
  }
  const fold = new Int32Array(labels.length);
  for (const [c, rows] of byClass) shuffled(rows, makeRandom(deriveSeed(seed, 'fold', c))).forEach((r, j) => (fold[r] = j % folds));
  return fold;
}

/** The folds a data set allows: at most `wanted`, at most the smallest class's size. */
export function foldCount(labels: ArrayLike<number>, wanted: number): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const smallest = Math.min(...counts.values());
  if (counts.size < 2) throw new DataError(`the probe needs at least 2 classes, got ${counts.size}`, 'Point --data at a set with two or more classes.');
  if (!(smallest >= 2)) throw new DataError(`a class has ${smallest} training image(s): cross-validation needs at least 2 per class`, 'Add images, or lower --val-split / --test-split.');
  return Math.max(2, Math.min(wanted, smallest));
}

/** Standardizes `m` with the mean and standard deviation of the rows where `useForStats` is true. */
export function standardize(m: Matrix, useForStats: (row: number) => boolean): Float32Array {
  const { x, rows, cols } = m;
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    if (!useForStats(r)) continue;
    n++;
    for (let c = 0, o = r * cols; c < cols; c++) mean[c] += x[o + c];
  }
  for (let c = 0; c < cols; c++) mean[c] /= Math.max(1, n);
  for (let r = 0; r < rows; r++) {
    if (!useForStats(r)) continue;
    for (let c = 0, o = r * cols; c < cols; c++) sq[c] += (x[o + c] - mean[c]) ** 2;
  }
  // A constant column becomes 0 instead of dividing by 0. The test is relative to the column's
  // mean: a random deep network's activations can be tiny (1e-8) and still vary usefully.
  const scale = Array.from(sq, (s, c) => {
    const sd = Math.sqrt(s / Math.max(1, n));
    return sd > 0 && sd > 1e-6 * Math.abs(mean[c]) ? 1 / sd : 0;
  });
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0, o = r * cols; c < cols; c++) out[o + c] = (x[o + c] - mean[c]) * scale[c];
  return out;
}

/**
 * Every fold's design matrix side by side, [k, n, d + 1]: fold f standardized with the
 * statistics of its own training rows, plus a column of ones for the bias.
 */
function foldDesign(m: Matrix, fold: Int32Array, k: number): Float32Array {
  const cols = m.cols + 1;
  const out = new Float32Array(k * m.rows * cols);
  for (let f = 0; f < k; f++) {
    const z = standardize(m, (r) => fold[r] !== f);
    for (let r = 0; r < m.rows; r++) {
      const o = (f * m.rows + r) * cols;
      out.set(z.subarray(r * m.cols, (r + 1) * m.cols), o);
      out[o + m.cols] = 1;
    }
  }
  return out;
}

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/**
 * Fits the k folds' probes at once (a batch of k independent logistic regressions, full-batch
 * Adam written out so each step is about 20 ops) and returns each row's predicted class in each
 * fold, [k * n]. Only rows of a fold's training part move its weights. Frees every tensor it makes.
 */
export function fitFolds(m: Matrix, labels: Int32Array, fold: Int32Array, k: number, classes: number, cfg: ProbeConfig): Int32Array {
  const tf = loadTf();
  const n = m.rows;
  const d = m.cols + 1;
  const trainMask = new Float32Array(k * n);
  for (let f = 0; f < k; f++) {
    const count = labels.reduce((a, _, r) => a + (fold[r] !== f ? 1 : 0), 0);
    for (let r = 0; r < n; r++) if (fold[r] !== f) trainMask[f * n + r] = 1 / count;
  }
  const regMask = new Float32Array(d).fill(cfg.l2);
  regMask[d - 1] = 0; // the bias is not penalised
  const X = tf.tensor3d(foldDesign(m, fold, k), [k, n, d]);
  const Y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat().expandDims(0));
  const weight = tf.tensor3d(trainMask, [k, n, 1]);
  const reg = tf.tensor3d(regMask, [1, d, 1]);
  let W = tf.zeros([k, d, classes]);
  let mom = tf.zeros([k, d, classes]);
  let vel = tf.zeros([k, d, classes]);
  try {
    for (let t = 1; t <= cfg.steps; t++) {
      const lr = (cfg.learningRate * Math.sqrt(1 - ADAM.beta2 ** t)) / (1 - ADAM.beta1 ** t);
      const next = tf.tidy(() => {
        // d(mean cross-entropy)/dW = X^T (softmax(XW) - Y) / n_train, plus the L2 term.
        const residual = tf.softmax(tf.matMul(X, W)).sub(Y).mul(weight);
        const g = tf.matMul(X, residual, true, false).add(W.mul(reg));
        const m2 = mom.mul(ADAM.beta1).add(g.mul(1 - ADAM.beta1));
        const v2 = vel.mul(ADAM.beta2).add(g.square().mul(1 - ADAM.beta2));
        return [W.sub(m2.div(v2.sqrt().add(ADAM.epsilon)).mul(lr)), m2, v2];
      });
      W.dispose();
      mom.dispose();
      vel.dispose();
      [W, mom, vel] = next;
    }
    const predicted = tf.tidy(() => tf.matMul(X, W).argMax(2));
    const p = predicted.dataSync() as Int32Array;
    predicted.dispose();
    return p;
  } finally {
    for (const t of [X, Y, weight, reg, W, mom, vel]) t.dispose();
  }
}

/** Cross-validated accuracy of the probe on `m` (each fold standardized with its own training rows). */
export function crossValidate(m: Matrix, labels: Int32Array, classes: number, cfg: ProbeConfig): ProbeScore {
  const k = foldCount(labels, cfg.folds);
  const fold = stratifiedFolds(labels, k, cfg.seed);
  const predicted = fitFolds(m, labels, fold, k, classes, cfg);
  const right = new Array<number>(k).fill(0);
  const size = new Array<number>(k).fill(0);
  const correct = new Uint8Array(labels.length);
  for (let r = 0; r < labels.length; r++) {
    const f = fold[r];
    size[f]++;
    if (predicted[f * labels.length + r] === labels[r]) {
      right[f]++;
      correct[r] = 1;
    }
  }
  const perFold = right.map((c, f) => c / size[f]);
  const mean = perFold.reduce((a, v) => a + v, 0) / k;
  const sd = Math.sqrt(perFold.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, k - 1));
  return { accuracy: right.reduce((a, b) => a + b, 0) / labels.length, sd, folds: k, correct };
}

/** Columns [start, start + width) of `m` as a matrix of their own. */
export function columns(m: Matrix, start: number, width: number): Matrix {
  if (start === 0 && width === m.cols) return m;
  const x = new Float32Array(m.rows * width);
  for (let r = 0; r < m.rows; r++) x.set(m.x.subarray(r * m.cols + start, r * m.cols + start + width), r * width);
  return { x, rows: m.rows, cols: width };
}

/**
 * Standard error of the difference in accuracy between two probes scored on the same rows:
 * sd of the per-row differences (-1, 0 or 1) over sqrt(n). Pairing removes the noise both share.
 */
export function pairedStandardError(a: Uint8Array, b: Uint8Array): number {
  const n = a.length;
  if (n < 2 || b.length !== n) return 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    sum += d;
    sq += d * d;
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean) / (n - 1));
}
