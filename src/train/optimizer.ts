// Optimizers for the training loop (adam, rmsprop, sgd with momentum): creation, per-step
// learning rate, and exact save/restore of their state for checkpoints. Not a loss or a loop.
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { Tf } from '../native/load';
import { UsageError } from '../errors';

export type OptimizerKind = 'adam' | 'rmsprop' | 'sgd';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['adam', 'rmsprop', 'sgd'];

export interface OptimizerConfig {
  kind: OptimizerKind;
  learningRate: number;
  /** sgd and rmsprop: momentum term (0 = plain sgd / plain rmsprop). */
  momentum: number;
}

export function defaultOptimizerConfig(): OptimizerConfig {
  return { kind: 'adam', learningRate: 1e-3, momentum: 0.9 };
}

/** A tensor's values with its name and shape, as stored in checkpoints. */
export interface NamedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** Everything needed to continue an optimizer bit for bit. */
export interface OptimizerState {
  kind: OptimizerKind;
  /** optimizer.getWeights(): the iteration count first, then the slot variables. */
  weights: NamedArray[];
  /**
   * Adam only: its running beta powers. tfjs's setWeights recomputes them as pow(beta, t+1),
   * which differs in the last bits from the product the uninterrupted run accumulated.
   */
  extras: Record<string, number[]>;
}

export function validateOptimizerConfig(cfg: OptimizerConfig, flagPrefix = ''): void {
  if (!OPTIMIZER_KINDS.includes(cfg.kind)) {
    throw new UsageError(`unknown optimizer '${cfg.kind}'`, `Use --${flagPrefix}optimizer ${OPTIMIZER_KINDS.join(' | ')}.`);
  }
  if (!(cfg.learningRate > 0 && Number.isFinite(cfg.learningRate))) {
    throw new UsageError(`learning rate must be a positive number, got ${cfg.learningRate}`, `Pass e.g. --${flagPrefix}lr 0.001.`);
  }
  if (!(cfg.momentum >= 0 && cfg.momentum < 1)) {
    throw new UsageError(`momentum must be in [0, 1), got ${cfg.momentum}`);
  }
}

export function makeOptimizer(tf: Tf, cfg: OptimizerConfig): tfTypes.Optimizer {
  validateOptimizerConfig(cfg);
  switch (cfg.kind) {
    case 'adam':
      // Keras defaults (beta1 0.9, beta2 0.999, epsilon 1e-7) so figures compare with the tutorial.
      return tf.train.adam(cfg.learningRate, 0.9, 0.999, 1e-7);
    case 'rmsprop':
      return tf.train.rmsprop(cfg.learningRate, 0.9, cfg.momentum, 1e-7);
    case 'sgd':
      return cfg.momentum > 0 ? tf.train.momentum(cfg.learningRate, cfg.momentum) : tf.train.sgd(cfg.learningRate);
  }
}

interface MutableRate {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
}

/** Sets the rate for the next step. SGD/momentum keep it in a scalar tensor, the others in a field. */
export function setLearningRate(optimizer: tfTypes.Optimizer, lr: number): void {
  const o = optimizer as unknown as MutableRate;
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

function toNamedArray(name: string, t: tfTypes.Tensor): NamedArray {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const raw = t.dataSync();
  // Copy: the backend may hand out a view it reuses.
  const data = dtype === 'int32' ? Int32Array.from(raw as Int32Array) : Float32Array.from(raw as Float32Array);
  return { name, shape: t.shape.slice(), dtype, data };
}

interface AdamInternals {
  accBeta1?: tfTypes.Variable;
  accBeta2?: tfTypes.Variable;
}

export async function captureOptimizerState(optimizer: tfTypes.Optimizer, kind: OptimizerKind): Promise<OptimizerState> {
  const named = await optimizer.getWeights();
  // The first entry ('iter') is a fresh scalar made by getWeights; the rest are live slot variables.
  const weights = named.map((w) => toNamedArray(w.name, w.tensor));
  if (named.length > 0 && named[0].name === 'iter') named[0].tensor.dispose();
  const extras: Record<string, number[]> = {};
  if (kind === 'adam') {
    const a = optimizer as unknown as AdamInternals;
    if (a.accBeta1 && a.accBeta2) {
      extras.accBeta1 = Array.from(a.accBeta1.dataSync());
      extras.accBeta2 = Array.from(a.accBeta2.dataSync());
    }
  }
  return { kind, weights, extras };
}

/** Restores state into a fresh optimizer of the same kind (before its first step). */
export async function restoreOptimizerState(tf: Tf, optimizer: tfTypes.Optimizer, state: OptimizerState): Promise<void> {
  const tensors = state.weights.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape, w.dtype) }));
  await optimizer.setWeights(tensors);
  // setWeights wraps each tensor in a new variable sharing its data; ours can go.
  for (const t of tensors) t.tensor.dispose();
  if (state.kind === 'adam' && state.extras.accBeta1 && state.extras.accBeta2) {
    const a = optimizer as unknown as AdamInternals;
    for (const key of ['accBeta1', 'accBeta2'] as const) {
      const v = a[key];
      if (!v) continue;
      const value = tf.scalar(state.extras[key][0]);
      v.assign(value);
      value.dispose();
    }
  }
}

/** tfjs's momentum optimizer forgets the learning-rate scalar it inherits from SGD. */
export function disposeOptimizer(optimizer: tfTypes.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tfTypes.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}
