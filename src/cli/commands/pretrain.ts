// `tl pretrain`: train a source-task model from scratch (also the from-scratch baseline).
import { Command, Option } from 'commander';
import { Output } from '../output';
import { addDataOptions, dataOptionsFrom, RawDataFlags } from '../data-flags';
import { SCRATCH_RULE } from '../../train/step-budget';
import { teachableMachineLine, teachableMachineNote } from '../teachable-machine-line';
import { addTrainingOptions, RawTrainingFlags, trainingOptionsFrom, dataRunOptions, accuracySummary, savedModelLine } from '../training-flags';
import { FLAG_CEILINGS, positiveDecimal, wholeNumber } from '../flag-values';
import { PRETRAIN_DEFAULTS } from '../../defaults';

export interface PretrainFlags extends RawDataFlags, RawTrainingFlags {
  out: string;
  arch: string;
  alpha?: string;
  inputSize?: string;
  overwrite?: boolean;
  resume?: boolean;
  json?: boolean;
}

/** The pipeline options of `tl pretrain`'s flags (also what a pretrain step of `tl run` gets). */
export function pretrainOptionsFrom(flags: PretrainFlags) {
  const data = dataOptionsFrom(flags);
  const training = trainingOptionsFrom(flags);
  return {
    out: flags.out,
    overwrite: Boolean(flags.overwrite),
    resume: Boolean(flags.resume),
    arch: flags.arch as 'auto' | 'cnn-small' | 'mobilenet-v1-style',
    alpha: positiveDecimal('--alpha', flags.alpha, { max: 1 }),
    inputSize: wholeNumber('--input-size', flags.inputSize, { min: 8, max: FLAG_CEILINGS.inputSize }),
    ...dataRunOptions(data),
    ...training,
  };
}

async function runPretrain(flags: PretrainFlags, verbose: boolean): Promise<void> {
  const out = new Output({ json: Boolean(flags.json), verbose });
  const options = pretrainOptionsFrom(flags);
  const { requireTf } = await import('../native');
  await requireTf(out);
  const { pretrain } = await import('../../pipeline/pretrain');
  const { withTrainingHooks } = await import('../training-render');
  const result = await withTrainingHooks(out, (hooks) => pretrain(options, hooks));
  const m = result.metrics;
  if (out.json) {
    out.result({ outDir: result.outDir, arch: result.arch, classes: result.classes, metrics: m, phases: result.phases, seconds: result.seconds, savedModelCheck: result.savedModelCheck, teachableMachine: teachableMachineNote(result.outDir) });
    return;
  }
  out.info(
    `\n${out.c.green('Done')} in ${result.seconds.toFixed(0)} s: ${result.arch} on ${result.classes.length} classes, ` +
      accuracySummary(m) +
      `.\n${savedModelLine(result.outDir, result.savedModelCheck)}${teachableMachineLine(result.outDir)}\nNext: tl transfer --base ${result.outDir} --data <your images> --out <dir>   or   tl evaluate --model ${result.outDir}`,
  );
}

export function registerPretrain(program: Command): void {
  const cmd = program
    .command('pretrain')
    .description('train a source-task (task A) model from scratch; its run directory works as --base for transfer')
    .requiredOption('--out <dir>', 'run directory to write (refused if it exists, unless --overwrite)')
    .addOption(new Option('--arch <name>', 'architecture (auto: cnn-small for small grey images, mobilenet-v1-style otherwise)').choices(['auto', 'cnn-small', 'mobilenet-v1-style']).default(PRETRAIN_DEFAULTS.arch))
    .option('--alpha <x>', 'width multiplier of mobilenet-v1-style', String(PRETRAIN_DEFAULTS.alpha))
    .option('--input-size <n>', 'square input size for image folders (built-in sets use 28x28x1)', String(PRETRAIN_DEFAULTS.inputSize))
    .option('--overwrite', 'replace an existing --out that is empty or a tl run directory with nothing else in it')
    .option('--resume', 'continue an interrupted run with the same --out from its checkpoint')
    .option('--json', 'print one JSON object on stdout (outDir, metrics.valAccuracy, metrics.testAccuracy, ...)');
  addDataOptions(cmd, { required: true });
  addTrainingOptions(cmd, PRETRAIN_DEFAULTS, { rule: SCRATCH_RULE });
  cmd
    .addHelpText(
      'after',
      `
Examples:
  $ tl pretrain --data fashion-mnist:0-4 --out models/source
  $ tl pretrain --data fashion-mnist:0-4 --out models/source --resume   # after Ctrl-C
  $ tl pretrain --data ./big-source-set --arch mobilenet-v1-style --alpha 0.5 --out models/source
  $ tl pretrain --data fashion-mnist:5-9 --limit-per-class 20 --out runs/scratch   # a from-scratch baseline`,
    )
    .action(async (flags: PretrainFlags, c: Command) => runPretrain(flags, Boolean(c.optsWithGlobals().verbose)));
}
