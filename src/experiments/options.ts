// The options an experiment file may set, one table for validation, the JSON Schema and the docs.
// Names are the CLI flags in camelCase (--limit-per-class -> limitPerClass); the value checks
// themselves stay the CLI's (cli/experiment-steps.ts converts values through the flag parsers).

export type StepKind = 'pretrain' | 'transfer' | 'evaluate';
export const STEP_KINDS: readonly StepKind[] = ['pretrain', 'transfer', 'evaluate'];

/** The JSON types an option accepts; 'auto' adds the string "auto" to a whole number. */
export type ValueType = 'string' | 'number' | 'integer' | 'integerOrAuto' | 'boolean' | 'stringOrBoolean' | 'integerList';

export interface OptionSpec {
  name: string;
  type: ValueType;
  /** the steps that take it */
  steps: readonly StepKind[];
  description: string;
  choices?: readonly string[];
  /** names an earlier step of the file (or a path / zoo name) */
  reference?: boolean;
}

const TRAIN: readonly StepKind[] = ['pretrain', 'transfer'];
const ALL: readonly StepKind[] = STEP_KINDS;

export const OPTIONS: readonly OptionSpec[] = [
  { name: 'data', type: 'string', steps: ALL, description: 'images: folder, manifest or built-in set (fashion-mnist:0-4, mnist); evaluate: default the run\'s own test split' },
  { name: 'valSplit', type: 'number', steps: TRAIN, description: 'fraction of each class kept for validation' },
  { name: 'testSplit', type: 'number', steps: TRAIN, description: 'fraction of each class kept for the final test' },
  { name: 'seed', type: 'integer', steps: TRAIN, description: 'seed of the split, limitPerClass and shuffling' },
  { name: 'limitPerClass', type: 'integer', steps: TRAIN, description: 'at most N training images per class (few-shot)' },
  { name: 'augment', type: 'stringOrBoolean', steps: TRAIN, description: 'true, or a list like "flip,rotation=10"' },
  { name: 'resize', type: 'string', steps: TRAIN, choices: ['cover', 'contain', 'fill'], description: 'how images meet the model input size' },
  { name: 'epochs', type: 'integerOrAuto', steps: TRAIN, description: 'training epochs (phase 1 for transfer)' },
  { name: 'batchSize', type: 'integer', steps: ALL, description: 'images per training step (evaluate: per forward pass)' },
  { name: 'lr', type: 'number', steps: TRAIN, description: 'learning rate (phase 1 for transfer)' },
  { name: 'optimizer', type: 'string', steps: TRAIN, choices: ['adam', 'rmsprop', 'sgd'], description: 'optimizer' },
  { name: 'schedule', type: 'string', steps: TRAIN, choices: ['constant', 'cosine'], description: 'learning-rate schedule' },
  { name: 'patience', type: 'integerOrAuto', steps: TRAIN, description: 'early-stopping patience in epochs (0: off)' },
  { name: 'classWeights', type: 'string', steps: TRAIN, choices: ['auto', 'none'], description: 'weight the loss by inverse class frequency' },
  { name: 'labelSmoothing', type: 'number', steps: TRAIN, description: 'label smoothing of the training loss, 0..0.5' },
  { name: 'arch', type: 'string', steps: ['pretrain'], choices: ['auto', 'cnn-small', 'mobilenet-v1-style'], description: 'architecture' },
  { name: 'alpha', type: 'number', steps: ['pretrain'], description: 'width multiplier of mobilenet-v1-style' },
  { name: 'inputSize', type: 'integer', steps: ['pretrain'], description: 'square input size for image folders' },
  { name: 'base', type: 'string', steps: ['transfer'], reference: true, description: 'an earlier step of this file, a zoo name, a run directory, a model.json or a URL' },
  { name: 'cutLayer', type: 'string', steps: ['transfer'], description: 'layer to cut the base at' },
  { name: 'dropout', type: 'number', steps: ['transfer'], description: 'dropout rate of the new head' },
  { name: 'hidden', type: 'integerList', steps: ['transfer'], description: 'hidden dense layers of the head, e.g. [128] or "256,64"' },
  { name: 'l2', type: 'number', steps: ['transfer'], description: 'L2 penalty on the head kernels' },
  { name: 'fineTuneEpochs', type: 'integerOrAuto', steps: ['transfer'], description: 'phase 2 epochs, 0 skips fine-tuning' },
  { name: 'fineTuneLr', type: 'number', steps: ['transfer'], description: 'phase 2 learning rate (default a tenth of lr)' },
  { name: 'unfreezeFrom', type: 'string', steps: ['transfer'], description: 'phase 2 unfreezes the base from this layer up' },
  { name: 'fineTuneLayers', type: 'integer', steps: ['transfer'], description: 'phase 2 unfreezes the top K layers of the cut base' },
  { name: 'cache', type: 'boolean', steps: ['transfer', 'evaluate'], description: 'use the on-disk activation cache (default true)' },
  { name: 'model', type: 'string', steps: ['evaluate'], reference: true, description: 'an earlier step of this file or a run directory' },
  { name: 'split', type: 'string', steps: ['evaluate'], choices: ['train', 'val', 'test', 'all'], description: 'with data: which of its examples to use' },
  { name: 'topK', type: 'integer', steps: ['evaluate'], description: 'also report top-k accuracy' },
];

/** Options a step cannot run without. */
export const REQUIRED: Record<StepKind, readonly string[]> = { pretrain: ['data'], transfer: ['base', 'data'], evaluate: ['model'] };

export interface GateSpec {
  name: string;
  description: string;
}

/** Gates compare the run's measured figures on its test split (or evaluate's data) with a bound. */
export const GATES: readonly GateSpec[] = [
  { name: 'minAccuracy', description: 'lowest accepted accuracy, 0..1' },
  { name: 'minF1', description: 'lowest accepted macro-averaged F1, 0..1' },
  { name: 'minClassRecall', description: 'lowest accepted recall of any single class, 0..1' },
  { name: 'maxLoss', description: 'highest accepted cross-entropy loss' },
];

/** The keys an experiment entry may hold besides its step's options. */
export const EXPERIMENT_KEYS = ['name', 'step', 'matrix', 'gates', 'baseline'] as const;
/** The keys at the top of a file. */
export const FILE_KEYS = ['$schema', 'defaults', 'experiments'] as const;

export function optionSpec(name: string): OptionSpec | undefined {
  return OPTIONS.find((o) => o.name === name);
}

export function optionsOf(step: StepKind): OptionSpec[] {
  return OPTIONS.filter((o) => o.steps.includes(step));
}

/** The kebab-case CLI flag of an option name: limitPerClass -> --limit-per-class. */
export function flagOf(name: string): string {
  return '--' + name.replace(/[A-Z0-9]+/g, (m) => '-' + m.toLowerCase()).replace(/^-/, '');
}
