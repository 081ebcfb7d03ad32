// Flags shared by pretrain and transfer (epochs, batch size, optimizer, schedule, ...) and
// their checked conversion; every problem is a UsageError naming its flag.
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
import type { PRETRAIN_DEFAULTS, TRANSFER_DEFAULTS } from '../defaults';
import { FLAG_CEILINGS, positiveDecimal, wholeNumber, wholeNumberOrAuto } from './flag-values';
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
  defaults: typeof TRANSFER_DEFAULTS | typeof PRETRAIN_DEFAULTS,
  rules: { rule: BudgetRule; streamedRule?: BudgetRule },
): Command {
  const { rule } = rules;
  return cmd
    .option('--epochs <n|auto>', `training epochs (phase 1 for transfer); auto: ${describeAutoEpochs(rule, rules.streamedRule)}`, String(defaults.epochs))
    .option('--batch-size <n>', 'images per training step', String(defaults.batchSize))
    .option('--lr <x>', 'learning rate (phase 1 for transfer)', String(defaults.lr))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'rmsprop', 'sgd']).default(defaults.optimizer))
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(['constant', 'cosine']).default(defaults.schedule))
    .option('--patience <n|auto>', `early stopping: epochs without a lower validation loss before stopping (0: off); best weights are restored; auto: worth ${rule.patienceSteps} steps, at least ${rule.minPatience} epochs`, String(defaults.patience))
    .option('--class-weights <auto|none>', 'weight the loss by inverse class frequency for imbalanced sets', String(defaults.classWeights))
    .option('--label-smoothing <x>', 'label smoothing of the training loss, 0..0.5', String(defaults.labelSmoothing));
}

/** pretrain's and transfer's training flags; --epochs and --patience may be 'auto'. */
export function trainingOptionsFrom(f: RawTrainingFlags) {
  return { ...trainingOptionsBase(f), epochs: wholeNumberOrAuto('--epochs', f.epochs), patience: wholeNumberOrAuto('--patience', f.patience) };
}

function trainingOptionsBase(f: RawTrainingFlags) {
  const cw = f.classWeights;
  if (cw !== undefined && cw !== 'auto' && cw !== 'none') throw new UsageError(`--class-weights must be auto or none, got "${cw}"`);
  return {
    batchSize: wholeNumber('--batch-size', f.batchSize, { max: FLAG_CEILINGS.batchSize }),
    lr: positiveDecimal('--lr', f.lr, { max: 10 }),
    optimizer: f.optimizer as 'adam' | 'rmsprop' | 'sgd' | undefined,
    schedule: f.schedule as 'constant' | 'cosine' | undefined,
    classWeights: cw as 'auto' | 'none' | undefined,
    labelSmoothing: positiveDecimal('--label-smoothing', f.labelSmoothing, { max: 0.5, zeroAllowed: true }),
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
