// TensorBoard event files for a run: per-epoch scalars through tfjs-node's summary writer.
// Layout follows Keras (train/ and validation/ subfolders, epoch_* tags) so curves overlay.
import * as path from 'path';
import { loadTf } from '../native/load';
import type { EpochEvent, HistoryRow } from './types';

export interface TensorBoardLogger {
  /** Writes one epoch's scalars at step `e.globalEpoch` and flushes (so a killed run keeps them). */
  onEpoch: (row: HistoryRow, e: Pick<EpochEvent, 'globalEpoch'>) => void;
  /** Flushes pending events. */
  close: () => void;
}

/** Creates `logdir`/train and `logdir`/validation writers. Loads TensorFlow. */
export function tensorBoardLogger(logdir: string): TensorBoardLogger {
  const tf = loadTf();
  // Events are queued and flushed at our flush() calls, not on a timer.
  const train = tf.node.summaryFileWriter(path.join(logdir, 'train'), 100, 3_600_000);
  const validation = tf.node.summaryFileWriter(path.join(logdir, 'validation'), 100, 3_600_000);
  return {
    onEpoch(row, e) {
      const step = e.globalEpoch;
      train.scalar('epoch_loss', row.loss, step);
      train.scalar('epoch_accuracy', row.accuracy, step);
      train.scalar('epoch_learning_rate', row.lr, step);
      train.scalar('phase', row.phase, step);
      if (row.valLoss !== undefined) validation.scalar('epoch_loss', row.valLoss, step);
      if (row.valAccuracy !== undefined) validation.scalar('epoch_accuracy', row.valAccuracy, step);
      train.flush();
      validation.flush();
    },
    close() {
      train.flush();
      validation.flush();
    },
  };
}
