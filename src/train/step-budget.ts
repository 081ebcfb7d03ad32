// How long a phase trains when --epochs / --patience are 'auto': a budget in optimizer steps,
// not epochs, because an epoch of a few-shot set is a handful of steps (on cached activations,
// milliseconds), while on a large set the usual epoch count already means thousands of steps.

export type Auto<T> = T | 'auto';

/** What 'auto' resolves against. Steps are optimizer steps (batches). */
export interface BudgetRule {
  /** At least this many steps... */
  minSteps: number;
  /** ...and at least / at most this many epochs. */
  minEpochs: number;
  maxEpochs: number;
  /** Early stopping after this many steps without a lower validation loss, and never fewer than minPatience epochs. */
  patienceSteps: number;
  minPatience: number;
}

/** Transfer phase 1 on cached activations: epochs cost milliseconds, so the head gets its steps. */
export const HEAD_RULE: BudgetRule = { minSteps: 2000, minEpochs: 20, maxEpochs: 1000, patienceSteps: 200, minPatience: 5 };
/** Transfer phase 1 with --augment: every epoch is a pass through the base, so plain epochs. */
export const STREAMED_HEAD_RULE: BudgetRule = { minSteps: 0, minEpochs: 20, maxEpochs: 20, patienceSteps: 0, minPatience: 5 };
/**
 * Transfer phase 2 on cached activations below the unfrozen layers: each step runs forward and
 * backward through the unfrozen top, dearer than a head step, so a smaller budget and a cap.
 */
export const FINE_TUNE_RULE: BudgetRule = { minSteps: 200, minEpochs: 5, maxEpochs: 50, patienceSteps: 0, minPatience: 5 };
/** Transfer phase 2 with --augment: every epoch streams images through the whole base. */
export const STREAMED_FINE_TUNE_RULE: BudgetRule = { minSteps: 0, minEpochs: 5, maxEpochs: 5, patienceSteps: 0, minPatience: 5 };
/** pretrain from scratch: the same step budget, with pretrain's usual 12 epochs and patience 3 as floors. */
export const SCRATCH_RULE: BudgetRule = { minSteps: 2000, minEpochs: 12, maxEpochs: 1000, patienceSteps: 200, minPatience: 3 };

export interface StepBudget {
  epochs: number;
  patience: number;
  stepsPerEpoch: number;
  /** What 'auto' chose and why, for the run's output and tl.json ('' when nothing was auto). */
  reason: string;
}

/**
 * Epochs and early-stopping patience. Explicit numbers are kept. With HEAD_RULE, 20 images a
 * class of 5 classes at batch 32 (4 steps an epoch) gets 500 epochs and patience 50; 1,000
 * images a class keeps 20 epochs and patience 5.
 */
export function stepBudget(opts: { epochs: Auto<number>; patience: Auto<number>; trainCount: number; batchSize: number; rule: BudgetRule }): StepBudget {
  const { rule } = opts;
  const stepsPerEpoch = Math.max(1, Math.ceil(opts.trainCount / opts.batchSize));
  const autoEpochs = Math.min(rule.maxEpochs, Math.max(rule.minEpochs, Math.ceil(rule.minSteps / stepsPerEpoch)));
  const autoPatience = Math.max(rule.minPatience, Math.ceil(rule.patienceSteps / stepsPerEpoch));
  const epochs = opts.epochs === 'auto' ? autoEpochs : opts.epochs;
  const patience = opts.patience === 'auto' ? autoPatience : opts.patience;
  const parts: string[] = [];
  if (opts.epochs === 'auto') {
    const steps = `${stepsPerEpoch} step${stepsPerEpoch === 1 ? '' : 's'}`;
    parts.push(rule.minSteps > 0 ? `${epochs} epochs of ${steps}, for at least ${rule.minSteps} steps` : `${epochs} epochs of ${steps}`);
  }
  if (opts.patience === 'auto') parts.push(`early stopping after ${patience} epochs without a lower validation loss`);
  return { epochs, patience, stepsPerEpoch, reason: parts.length > 0 ? `auto: ${parts.join('; ')}` : '' };
}

/** What 'auto' means under `rule` (and `streamed` with --augment), for --help. */
export function describeAutoEpochs(rule: BudgetRule, streamed?: BudgetRule): string {
  const epochs = rule.minEpochs === rule.maxEpochs ? `${rule.minEpochs} epochs` : `${rule.minEpochs} to ${rule.maxEpochs} epochs`;
  return `at least ${rule.minSteps} steps, ${epochs}${streamed ? ` (${streamed.minEpochs} with --augment)` : ''}`;
}
