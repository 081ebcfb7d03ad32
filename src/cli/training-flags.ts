// Flags shared by pretrain and transfer (epochs, batch size, optimizer, schedule, ...) and
// their checked conversion; every problem is a UsageError naming its flag.
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
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

export function addTrainingOptions(cmd: Command, defaults: { epochs: number; batchSize: number; lr: number; patience: number }): Command {
  return cmd
    .option('--epochs <n>', 'training epochs (phase 1 for transfer)', String(defaults.epochs))
    .option('--batch-size <n>', 'images per training step', String(defaults.batchSize))
    .option('--lr <x>', 'learning rate (phase 1 for transfer)', String(defaults.lr))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'rmsprop', 'sgd']).default('adam'))
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(['constant', 'cosine']).default('cosine'))
    .option('--patience <n>', 'early stopping: epochs without a lower validation loss before stopping (0: off); best weights are restored', String(defaults.patience))
    .option('--class-weights <auto|none>', 'weight the loss by inverse class frequency for imbalanced sets', 'none')
    .option('--label-smoothing <x>', 'label smoothing of the training loss, 0..0.5', '0');
}

export function positiveInt(flag: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number >= ${min}, got "${v}"`);
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

export function trainingOptionsFrom(f: RawTrainingFlags) {
  const cw = f.classWeights ?? 'none';
  if (cw !== 'auto' && cw !== 'none') throw new UsageError(`--class-weights must be auto or none, got "${cw}"`);
  return {
    epochs: positiveInt('--epochs', f.epochs, 0),
    batchSize: positiveInt('--batch-size', f.batchSize),
    lr: positiveNumber('--lr', f.lr, 10),
    optimizer: f.optimizer as 'adam' | 'rmsprop' | 'sgd' | undefined,
    schedule: f.schedule as 'constant' | 'cosine' | undefined,
    patience: positiveInt('--patience', f.patience, 0),
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
