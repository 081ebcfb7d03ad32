// Class weights for imbalanced training sets. Pure, no TensorFlow.
import { UsageError } from '../errors';

/** 'none' (all 1), 'auto' (balanced: n_samples / (n_classes * count_c)) or one weight per class. */
export type ClassWeightSpec = 'none' | 'auto' | number[];

/** Number of training examples of each class. */
export function classCounts(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(c >= 0 && c < numClasses)) {
      throw new UsageError(`label ${c} at position ${i} is outside 0..${numClasses - 1}`);
    }
    counts[c]++;
  }
  return counts;
}

/**
 * Resolves a spec to one weight per class. 'auto' gives absent classes weight 0 (they have no
 * examples to weigh); an explicit list must have one positive finite number per class.
 */
export function resolveClassWeights(spec: ClassWeightSpec, labels: ArrayLike<number>, numClasses: number): number[] {
  if (spec === 'none') return new Array<number>(numClasses).fill(1);
  if (spec === 'auto') {
    const counts = classCounts(labels, numClasses);
    const n = labels.length;
    return counts.map((c) => (c === 0 ? 0 : n / (numClasses * c)));
  }
  if (spec.length !== numClasses || spec.some((w) => !(Number.isFinite(w) && w >= 0))) {
    throw new UsageError(
      `class weights must be ${numClasses} non-negative numbers (one per class), got [${spec.join(', ')}]`,
      'Use --class-weights auto, or list one weight per class in class order.',
    );
  }
  return spec.slice();
}
