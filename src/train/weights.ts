// Copies of model weights as plain arrays (for best-epoch snapshots and checkpoints) and back.
// Matching is by position and shape, never by name: tfjs numbers layer names per process.
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { Tf } from '../native/load';
import { UsageError } from '../errors';
import type { NamedArray } from './optimizer';

/** The variables a phase trains or restores, in a fixed order. */
export type WeightList = tfTypes.LayerVariable[];

export function snapshotWeights(list: WeightList): NamedArray[] {
  return list.map((w) => {
    const t = w.read();
    return { name: w.originalName ?? w.name, shape: t.shape.slice(), dtype: 'float32', data: Float32Array.from(t.dataSync() as Float32Array) };
  });
}

/** Writes values back; throws UsageError when the saved list does not fit these variables. */
export function restoreWeights(tf: Tf, list: WeightList, saved: NamedArray[], what: string): void {
  if (saved.length !== list.length) {
    throw new UsageError(
      `${what} holds ${saved.length} weight tensors but the model being trained has ${list.length}`,
      'Resume with the same base, cut layer, head and fine-tuning settings as the interrupted run.',
    );
  }
  list.forEach((w, i) => {
    const shape = w.read().shape;
    const s = saved[i];
    if (s.shape.length !== shape.length || s.shape.some((d, k) => d !== shape[k])) {
      throw new UsageError(
        `${what}: weight ${i} (${s.name}) has shape [${s.shape}] but the model's ${w.name} has [${shape}]`,
        'Resume with the same base, cut layer, head and fine-tuning settings as the interrupted run.',
      );
    }
  });
  list.forEach((w, i) => {
    const t = tf.tensor(saved[i].data, saved[i].shape, 'float32');
    // write() assigns t's data to the variable (sharing it), so t itself can be released.
    w.write(t);
    t.dispose();
  });
}
