// The data flags shared by every command that reads data (--data, --val-split, --test-split,
// --seed, --limit-per-class, --augment, --resize) and their checked conversion to typed options.
// Cheap to import: no TensorFlow, no sharp; the data room's pure helpers are loaded on use.
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
import type { AugmentConfig, DataOptions, ResizeMode } from '../data';

/** What the data flags give a command: DataOptions plus the spec, augmentation and resize mode. */
export interface CliDataOptions extends DataOptions {
  /** --data as typed; undefined when the flag was not given (a command may not need it) */
  data?: string;
  /** --augment; undefined when absent or "none" */
  augment?: AugmentConfig;
  /** --resize; undefined means "what the base model expects" */
  resize?: ResizeMode;
}

export interface AddDataOptionsConfig {
  /** make --data mandatory (commander reports it missing); default false */
  required?: boolean;
  /** add --augment (training commands only); default true */
  augment?: boolean;
  /** add --resize; default true */
  resize?: boolean;
}

export const DATA_FLAG_DESCRIPTION =
  'images: a folder of class folders (imgs/<class>/*), a pre-split tree (train/ val/ test/), a CSV/JSONL manifest (path,label[,split]), ' +
  'or a built-in set: fashion-mnist, mnist, with a class subset like fashion-mnist:0-4 or mnist:5,6,9';

export function addDataOptions(cmd: Command, cfg: AddDataOptionsConfig = {}): Command {
  const data = new Option('--data <spec>', DATA_FLAG_DESCRIPTION);
  if (cfg.required) data.makeOptionMandatory(true);
  cmd
    .addOption(data)
    .option('--val-split <x>', 'fraction of each class kept for validation (stable: follows image content)', '0.1')
    .option('--test-split <x>', 'fraction of each class kept for the final test', '0.1')
    .option('--seed <n>', 'seed of the split, --limit-per-class and shuffling', '42')
    .option('--limit-per-class <n>', 'use at most N training images per class (few-shot); val/test splits stay complete');
  if (cfg.augment !== false) {
    cmd.option(
      '--augment [list]',
      'augment training images on the fly: flip, rotation=DEG, zoom=X, shift=X, brightness=X, contrast=X (alone: all at mild defaults)',
    );
  }
  if (cfg.resize !== false) {
    cmd.addOption(new Option('--resize <mode>', 'how images meet the model input size (default: what the base expects)').choices(['cover', 'contain', 'fill']));
  }
  return cmd;
}

/** Raw values as commander hands them over (strings, or true for a bare --augment). */
export interface RawDataFlags {
  data?: string;
  valSplit?: string | number;
  testSplit?: string | number;
  seed?: string | number;
  limitPerClass?: string | number;
  augment?: string | boolean;
  resize?: string;
}

/** Checks and converts the data flags; every problem is a UsageError naming its flag. */
export function dataOptionsFrom(opts: RawDataFlags): CliDataOptions {
  const valSplit = fractionFlag('--val-split', opts.valSplit, 0.1);
  const testSplit = fractionFlag('--test-split', opts.testSplit, 0.1);
  if (valSplit + testSplit >= 1) {
    throw new UsageError(`--val-split ${valSplit} and --test-split ${testSplit} leave no images for training`, 'Keep their sum below 1, for example 0.1 and 0.1.');
  }
  const seed = integerFlag('--seed', opts.seed, 0) ?? 42;
  const limitPerClass = integerFlag('--limit-per-class', opts.limitPerClass, 1);
  const out: CliDataOptions = { valSplit, testSplit, seed };
  if (limitPerClass !== undefined) out.limitPerClass = limitPerClass;
  if (opts.data !== undefined) {
    if (opts.data.trim() === '') throw new UsageError('--data is empty', DATA_FLAG_DESCRIPTION);
    out.data = opts.data;
  }
  if (opts.augment !== undefined && opts.augment !== false) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { parseAugmentList } = require('../data/augment') as typeof import('../data/augment');
    const augment = parseAugmentList(opts.augment === true ? true : String(opts.augment));
    if (augment) out.augment = augment;
  }
  if (opts.resize !== undefined) {
    if (opts.resize !== 'cover' && opts.resize !== 'contain' && opts.resize !== 'fill') {
      throw new UsageError(`--resize must be cover, contain or fill, got "${opts.resize}"`, 'cover crops to fill the input, contain letterboxes, fill stretches.');
    }
    out.resize = opts.resize;
  }
  return out;
}

function fractionFlag(flag: string, raw: string | number | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = typeof raw === 'number' ? raw : Number(String(raw).trim());
  if (String(raw).trim() === '' || !Number.isFinite(v) || v < 0 || v >= 1) {
    throw new UsageError(`${flag} must be a fraction from 0 up to (not including) 1, got "${raw}"`, `For example ${flag} 0.1 keeps 10% of each class aside.`);
  }
  return v;
}

function integerFlag(flag: string, raw: string | number | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const v = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(v) || v < min) {
    throw new UsageError(`${flag} must be a whole number${min > 0 ? ` of at least ${min}` : min === 0 ? ' (0 or more)' : ''}, got "${raw}"`);
  }
  return v;
}
