// The one place tl's run defaults live. The library (pipeline/) starts from these values and the
// CLI shows them as flag defaults, so `--help`, a bare command and a library call cannot differ.
// Plain data (and the one rule for laying options over it) with type-only imports: the CLI reads
// it without loading TensorFlow.
import type { ArchitectureName } from './models/architectures';
import type { ResizeMode } from './data/types';
import type { Auto } from './train/step-budget';
import type { RunBasics } from './pipeline/run-skeleton';

/** How the data is split and shuffled; shared by pretrain and transfer. */
export const DATA_DEFAULTS = {
  /** fraction of each class kept for validation */
  valSplit: 0.1,
  /** fraction of each class kept for the final test */
  testSplit: 0.1,
  /** seed of the split, --limit-per-class, shuffling, dropout masks and augmentation */
  seed: 42,
} as const;

/** Settings of the training loop that pretrain and transfer both expose. */
type TrainingDefaults = Pick<RunBasics, 'epochs' | 'patience' | 'batchSize' | 'lr' | 'optimizer' | 'schedule' | 'classWeights' | 'labelSmoothing'>;

export const TRANSFER_DEFAULTS: Readonly<
  TrainingDefaults & { fineTuneEpochs: Auto<number>; fineTuneLayers: number; head: { dropout: number; hidden: readonly number[]; l2: number } }
> = {
  // Budgets in steps (train/step-budget.ts), not fixed epoch counts: 100 and 10,000 images both train enough.
  epochs: 'auto',
  patience: 'auto',
  fineTuneEpochs: 'auto',
  batchSize: 32,
  lr: 1e-3,
  optimizer: 'adam',
  schedule: 'constant',
  classWeights: 'none',
  labelSmoothing: 0,
  /** phase 2 unfreezes this many top layers of the cut base unless --unfreeze-from names one */
  fineTuneLayers: 10,
  // 0.2 dropout curbs a small head over-fitting a few hundred images without slowing phase 1;
  // no hidden layer: a linear probe on good features is the strongest default on small data.
  head: { dropout: 0.2, hidden: [], l2: 0 },
};

export const PRETRAIN_DEFAULTS: Readonly<TrainingDefaults & { arch: ArchitectureName | 'auto'; alpha: number; inputSize: number; resize: ResizeMode }> = {
  epochs: 'auto',
  patience: 'auto',
  batchSize: 64,
  lr: 1e-3,
  optimizer: 'adam',
  // From scratch, a cosine decay ends training at a low rate where a constant one keeps bouncing.
  schedule: 'cosine',
  classWeights: 'none',
  labelSmoothing: 0,
  /** cnn-small for small grey images (built-in sets), mobilenet-v1-style otherwise */
  arch: 'auto',
  /** width multiplier of mobilenet-v1-style */
  alpha: 0.25,
  /** square input size (pixels) for image folders; built-in sets keep their 28x28x1 */
  inputSize: 96,
  resize: 'cover',
};

export const EVALUATE_DEFAULTS = {
  /** images per forward pass; auto: from the model's largest activation (models/inference-batch.ts) */
  batchSize: 'auto',
  /** most-confident mistakes listed in the report */
  mistakes: 12,
} as const;

export const PREDICT_DEFAULTS = {
  /** images per forward pass; auto: from the model's largest activation */
  batchSize: 'auto',
  /** classes listed per image */
  topK: 3,
} as const;

/** `defaults` with every defined option of `options` on top (undefined keeps the default). */
export function withDefaults<T extends object>(defaults: T, options: Partial<T>): T {
  return { ...defaults, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as T;
}
