// How long phase 1 of a transfer trains the new head when --epochs / --patience are 'auto':
// a budget in optimizer steps, not epochs, because on cached activations an epoch of a few-shot
// set is a handful of steps that cost milliseconds.

/** Optimizer steps the head gets at least, on cached activations. */
export const HEAD_MIN_STEPS = 2000;
/** Steps without a lower validation loss before early stopping, on cached activations. */
export const HEAD_PATIENCE_STEPS = 200;
/** Epoch bounds: a large set keeps the usual 20 epochs; a one-step set stops at 1,000. */
export const HEAD_MIN_EPOCHS = 20;
export const HEAD_MAX_EPOCHS = 1000;
/** Early-stopping patience never below this many epochs. */
export const HEAD_MIN_PATIENCE = 5;

export type Auto<T> = T | 'auto';

export interface HeadBudget {
  epochs: number;
  patience: number;
  stepsPerEpoch: number;
  /** Why these numbers, for the run's output and tl.json. */
  reason: string;
}

/**
 * Phase-1 epochs and early-stopping patience. Explicit numbers are kept. 'auto' on cached
 * activations: enough epochs for HEAD_MIN_STEPS steps (20 of 1,000 images a class is 20 epochs;
 * 20 images a class of 5 classes at batch 32 is 500), patience worth HEAD_PATIENCE_STEPS steps.
 * When batches stream through the base (augmentation), every epoch costs a full pass through
 * it, so 'auto' is the plain 20 epochs and patience 5.
 */
export function headBudget(
  opts: { epochs: Auto<number>; patience: Auto<number>; trainCount: number; batchSize: number; streaming: boolean },
): HeadBudget {
  const stepsPerEpoch = Math.max(1, Math.ceil(opts.trainCount / opts.batchSize));
  const autoEpochs = opts.streaming ? HEAD_MIN_EPOCHS : Math.min(HEAD_MAX_EPOCHS, Math.max(HEAD_MIN_EPOCHS, Math.ceil(HEAD_MIN_STEPS / stepsPerEpoch)));
  const autoPatience = opts.streaming ? HEAD_MIN_PATIENCE : Math.max(HEAD_MIN_PATIENCE, Math.ceil(HEAD_PATIENCE_STEPS / stepsPerEpoch));
  const epochs = opts.epochs === 'auto' ? autoEpochs : opts.epochs;
  const patience = opts.patience === 'auto' ? autoPatience : opts.patience;
  const parts: string[] = [];
  if (opts.epochs === 'auto') {
    parts.push(
      opts.streaming
        ? `${epochs} epochs (augmented batches stream through the base)`
        : `${epochs} epochs of ${stepsPerEpoch} step${stepsPerEpoch === 1 ? '' : 's'}, at least ${HEAD_MIN_STEPS} steps on cached activations`,
    );
  }
  if (opts.patience === 'auto') parts.push(`early stopping after ${patience} epochs without a lower validation loss`);
  return { epochs, patience, stepsPerEpoch, reason: parts.length > 0 ? `auto: ${parts.join('; ')}` : '' };
}
