// Flags shared by pretrain and transfer (epochs, batch size, optimizer, schedule, ...) and
// their checked conversion; every problem is a UsageError naming its flag.
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
import { describeAutoEpochs, type BudgetRule } from '../train/step-budget';
import type { CliDataOptions } from './data-flags';

export interface RawTrainingFlags {
  epochs?: string;
  batchSize?: string;
  lr?: string;
  optimizer?: string;
  schedule?: string;
  patience?: string;
  classWeights?: string;
  labelSmoothing?: string;
}

/** `rule` (and `streamedRule` with --augment) is what --epochs auto and --patience auto resolve against. */
export function addTrainingOptions(
  cmd: Command,
  defaults: { rule: BudgetRule; streamedRule?: BudgetRule; batchSize: number; lr: number; schedule: 'constant' | 'cosine' },
): Command {
  const { rule } = defaults;
  return cmd
    .option('--epochs <n|auto>', `training epochs (phase 1 for transfer); auto: ${describeAutoEpochs(rule, defaults.streamedRule)}`, 'auto')
    .option('--batch-size <n>', 'images per training step', String(defaults.batchSize))
    .option('--lr <x>', 'learning rate (phase 1 for transfer)', String(defaults.lr))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'rmsprop', 'sgd']).default('adam'))
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(['constant', 'cosine']).default(defaults.schedule))
    .option('--patience <n|auto>', `early stopping: epochs without a lower validation loss before stopping (0: off); best weights are restored; auto: worth ${rule.patienceSteps} steps, at least ${rule.minPatience} epochs`, 'auto')
    .option('--class-weights <auto|none>', 'weight the loss by inverse class frequency for imbalanced sets', 'none')
    .option('--label-smoothing <x>', 'label smoothing of the training loss, 0..0.5', '0');
}

/**
 * Upper bounds of size flags: far above any sensible value, and low enough that one batch's
 * buffers stay allocatable (--input-size 100000 used to reach "Invalid typed array length").
 */
export const FLAG_CEILINGS = { inputSize: 1024, batchSize: 4096, hiddenUnits: 16384 } as const;

export function positiveInt(flag: string, v: string | undefined, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `>= ${min}`;
    throw new UsageError(`${flag} must be a whole number ${range}, got "${v}"`);
  }
  return n;
}

export function positiveNumber(flag: string, v: string | undefined, max = Infinity, allowZero = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0) || n > max) {
    throw new UsageError(`${flag} must be a number ${allowZero ? '>= 0' : '> 0'}${max < Infinity ? ` and <= ${max}` : ''}, got "${v}"`);
  }
  return n;
}

/** A whole number, or 'auto' (a budget in steps: train/step-budget.ts). */
export function intOrAuto(flag: string, v: string | undefined): number | 'auto' | undefined {
  if (v === undefined || v === 'auto') return v;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number >= 0 or auto, got "${v}"`);
  return n;
}

/** pretrain's and transfer's training flags; --epochs and --patience may be 'auto'. */
export function trainingOptionsFrom(f: RawTrainingFlags) {
  return { ...trainingOptionsBase(f), epochs: intOrAuto('--epochs', f.epochs), patience: intOrAuto('--patience', f.patience) };
}

function trainingOptionsBase(f: RawTrainingFlags) {
  const cw = f.classWeights ?? 'none';
  if (cw !== 'auto' && cw !== 'none') throw new UsageError(`--class-weights must be auto or none, got "${cw}"`);
  return {
    batchSize: positiveInt('--batch-size', f.batchSize, 1, FLAG_CEILINGS.batchSize),
    lr: positiveNumber('--lr', f.lr, 10),
    optimizer: f.optimizer as 'adam' | 'rmsprop' | 'sgd' | undefined,
    schedule: f.schedule as 'constant' | 'cosine' | undefined,
    classWeights: cw as 'auto' | 'none',
    labelSmoothing: positiveNumber('--label-smoothing', f.labelSmoothing, 0.5, true),
  };
}

/** The data-room flags as pipeline options (the spec, split fractions, seed, few-shot limit, augmentation, resize). */
export function dataRunOptions(d: CliDataOptions) {
  return { data: d.data!, valSplit: d.valSplit, testSplit: d.testSplit, seed: d.seed, limitPerClass: d.limitPerClass, augment: d.augment, resize: d.resize };
}

/** "validation accuracy 91.2%, test accuracy 90.4% on 3460 held-out images" */
export function accuracySummary(m: { valAccuracy: number; testAccuracy?: number; testCount: number }): string {
  return (
    `validation accuracy ${(m.valAccuracy * 100).toFixed(1)}%` +
    (m.testAccuracy !== undefined ? `, test accuracy ${(m.testAccuracy * 100).toFixed(1)}% on ${m.testCount} held-out images` : ', no test split')
  );
}

/** "Model: runs/x/model.json (loads with tf.loadLayersModel in Node and browsers; read back and checked: ...)" */
export function savedModelLine(outDir: string, check: { images: number; maxAbsDiff: number } | undefined): string {
  const same = check && (check.maxAbsDiff === 0 ? 'identical' : `within ${check.maxAbsDiff.toExponential(1)}`);
  const checked = check ? `; read back from disk and checked: predictions on ${check.images} images ${same}` : '';
  return `Model: ${outDir}/model.json (loads with tf.loadLayersModel in Node and browsers${checked})`;
}
