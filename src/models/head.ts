// The new classification head put on a cut base: dropout -> optional hidden dense ReLU layers ->
// dense softmax. Only builds the model; training it is the train room's job.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { ModelError, UsageError } from '../errors';
import { TRANSFER_DEFAULTS } from '../defaults';

export interface HeadConfig {
  /** Fraction of features dropped during training, 0 <= dropout < 1. */
  dropout: number;
  /** Units of each hidden dense ReLU layer, bottom to top; [] for none. */
  hidden: number[];
  /** L2 penalty on dense kernels (added to the loss); 0 for none. */
  l2: number;
}

export function defaultHeadConfig(): HeadConfig {
  const { dropout, hidden, l2 } = TRANSFER_DEFAULTS.head;
  return { dropout, hidden: [...hidden], l2 };
}

/** Layer names of the head; fixed so a saved run shows where the head starts. */
export const HEAD_LAYER_PREFIX = 'head_';

function checkHeadConfig(featureDim: number, numClasses: number, cfg: HeadConfig): void {
  if (!Number.isInteger(featureDim) || featureDim < 1) throw new ModelError(`a head needs a positive feature size, got ${featureDim}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new ModelError(`a classifier head needs at least 2 classes, got ${numClasses}`);
  }
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new UsageError(`--dropout must be in [0, 1), got ${cfg.dropout}`);
  if (!(cfg.l2 >= 0 && Number.isFinite(cfg.l2))) throw new UsageError(`--l2 must be >= 0, got ${cfg.l2}`);
  for (const h of cfg.hidden) {
    if (!Number.isInteger(h) || h < 1) throw new UsageError(`--hidden sizes must be positive whole numbers, got ${h}`);
  }
}

/**
 * A head mapping features [N, featureDim] to class probabilities [N, numClasses] (softmax).
 * `seed` makes initial weights and dropout masks reproducible.
 */
export function buildHead(featureDim: number, numClasses: number, cfg: HeadConfig, seed = 42): tfTypes.LayersModel {
  checkHeadConfig(featureDim, numClasses, cfg);
  const tf = loadTf();
  const regularizer = cfg.l2 > 0 ? () => tf.regularizers.l2({ l2: cfg.l2 }) : () => undefined;
  const input = tf.input({ shape: [featureDim], name: `${HEAD_LAYER_PREFIX}features` });
  let x = input as tfTypes.SymbolicTensor;
  if (cfg.dropout > 0) x = tf.layers.dropout({ rate: cfg.dropout, seed, name: `${HEAD_LAYER_PREFIX}dropout` }).apply(x) as tfTypes.SymbolicTensor;
  cfg.hidden.forEach((units, i) => {
    x = tf.layers
      .dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 + i }), // He init suits ReLU
        kernelRegularizer: regularizer(),
        name: `${HEAD_LAYER_PREFIX}hidden_${i + 1}`,
      })
      .apply(x) as tfTypes.SymbolicTensor;
  });
  const probs = tf.layers
    .dense({
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 + cfg.hidden.length }),
      kernelRegularizer: regularizer(),
      name: `${HEAD_LAYER_PREFIX}softmax`,
    })
    .apply(x) as tfTypes.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs, name: 'head' });
}
