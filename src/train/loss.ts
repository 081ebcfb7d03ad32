// The classification loss the loop minimises and the figures it reports (loss, correct count).
// Works on softmax probabilities (the head ends in softmax); not a metric library.
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { Tf } from '../native/load';

/** Probabilities are clipped to [EPS, 1-EPS] before the log, as Keras does (its epsilon is 1e-7). */
const EPS = 1e-7;

export interface LossOptions {
  /** 0 = hard targets; e.g. 0.1 moves 10% of the target mass evenly over all classes. */
  labelSmoothing: number;
  /** [numClasses] weight per class, or null for all ones. */
  classWeights: tfTypes.Tensor1D | null;
}

/**
 * Mean over the batch of w[y_i] * cross-entropy(target_i, p_i). probs: [N, K] softmax output;
 * labels: [N] int32 class indices. Dividing by N (not by the sum of weights) matches Keras's
 * class_weight, so 'auto' weights keep the loss on the same scale as unweighted.
 */
export function crossEntropyLoss(
  tf: Tf,
  probs: tfTypes.Tensor,
  labels: tfTypes.Tensor1D,
  numClasses: number,
  opts: LossOptions,
): tfTypes.Scalar {
  return tf.tidy(() => {
    let target: tfTypes.Tensor = tf.oneHot(labels, numClasses).toFloat();
    if (opts.labelSmoothing > 0) {
      target = target.mul(1 - opts.labelSmoothing).add(opts.labelSmoothing / numClasses);
    }
    const perExample = target.mul(probs.clipByValue(EPS, 1 - EPS).log()).sum(-1).neg();
    const weighted = opts.classWeights ? perExample.mul(tf.gather(opts.classWeights, labels)) : perExample;
    return weighted.mean() as tfTypes.Scalar;
  });
}

/** Number of rows whose arg-max equals the label, as an int32 scalar tensor. */
export function correctCount(tf: Tf, probs: tfTypes.Tensor, labels: tfTypes.Tensor1D): tfTypes.Scalar {
  return tf.tidy(() => probs.argMax(-1).equal(labels).toInt().sum() as tfTypes.Scalar);
}
