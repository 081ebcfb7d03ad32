// The data flags shared by every command that reads data (--data, --val-split, --test-split,
// --seed, --limit-per-class, --augment, --resize) and their checked conversion to typed options.
// Cheap to import: no TensorFlow, no sharp; the data room's pure helpers are loaded on use.
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
import { DATA_DEFAULTS } from '../defaults';
import { fraction, wholeNumber } from './flag-values';
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
    .option('--val-split <x>', 'fraction of each class kept for validation (stable: follows image content)', String(DATA_DEFAULTS.valSplit))
    .option('--test-split <x>', 'fraction of each class kept for the final test', String(DATA_DEFAULTS.testSplit))
    .option('--seed <n>', 'seed of the split, --limit-per-class and shuffling', String(DATA_DEFAULTS.seed))
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
  const valSplit = fraction('--val-split', flagText(opts.valSplit)) ?? DATA_DEFAULTS.valSplit;
  const testSplit = fraction('--test-split', flagText(opts.testSplit)) ?? DATA_DEFAULTS.testSplit;
  if (valSplit + testSplit >= 1) {
    throw new UsageError(`--val-split ${valSplit} and --test-split ${testSplit} leave no images for training`, 'Keep their sum below 1, for example 0.1 and 0.1.');
  }
  const seed = wholeNumber('--seed', flagText(opts.seed), { min: 0 }) ?? DATA_DEFAULTS.seed;
  const limitPerClass = wholeNumber('--limit-per-class', flagText(opts.limitPerClass));
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

/** Library callers may pass numbers where the command line passes text. */
function flagText(v: string | number | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}
