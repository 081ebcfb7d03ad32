// `tl transfer`: two-phase transfer learning from a base (zoo name, run dir, model.json, URL).
import { Command } from 'commander';
import { Output } from '../output';
import { addDataOptions, dataOptionsFrom, RawDataFlags } from '../data-flags';
import { teachableMachineLine, teachableMachineNote } from '../teachable-machine-line';
import { addTrainingOptions, RawTrainingFlags, trainingOptionsFrom, dataRunOptions, accuracySummary, savedModelLine } from '../training-flags';
import { FLAG_CEILINGS, positiveDecimal, wholeNumber, wholeNumberOrAuto } from '../flag-values';
import { TRANSFER_DEFAULTS } from '../../defaults';
import { UsageError } from '../../errors';
import { describeAutoEpochs, FINE_TUNE_RULE, HEAD_RULE, STREAMED_FINE_TUNE_RULE, STREAMED_HEAD_RULE } from '../../train/step-budget';

export interface TransferFlags extends RawDataFlags, RawTrainingFlags {
  base: string;
  out: string;
  cutLayer?: string;
  dropout?: string;
  hidden?: string;
  l2?: string;
  fineTuneEpochs?: string;
  fineTuneLr?: string;
  unfreezeFrom?: string;
  fineTuneLayers?: string;
  tensorboard?: string;
  resume?: boolean;
  cache?: boolean;
  overwrite?: boolean;
  json?: boolean;
}

function hiddenFrom(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  if (v.trim() === '' || v === 'none') return [];
  const units = v.split(',').map((s) => s.trim());
  if (units.some((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > FLAG_CEILINGS.hiddenUnits)) {
    throw new UsageError(`--hidden takes comma-separated unit counts from 1 to ${FLAG_CEILINGS.hiddenUnits} like 128 or 256,64, got "${v}"`);
  }
  return units.map(Number);
}

/** The pipeline options of `tl transfer`'s flags (also what a transfer step of `tl run` gets). */
export async function transferOptionsFrom(flags: TransferFlags) {
  const data = dataOptionsFrom(flags);
  const training = trainingOptionsFrom(flags);
  const { defaultHeadConfig } = await import('../../models/head');
  const head = {
    ...defaultHeadConfig(),
    ...(flags.dropout !== undefined ? { dropout: positiveDecimal('--dropout', flags.dropout, { max: 0.95, zeroAllowed: true })! } : {}),
    ...(flags.hidden !== undefined ? { hidden: hiddenFrom(flags.hidden)! } : {}),
    ...(flags.l2 !== undefined ? { l2: positiveDecimal('--l2', flags.l2, { max: 1, zeroAllowed: true })! } : {}),
  };
  return {
    base: flags.base,
    out: flags.out,
    overwrite: Boolean(flags.overwrite),
    cutLayer: flags.cutLayer,
    head,
    fineTuneEpochs: wholeNumberOrAuto('--fine-tune-epochs', flags.fineTuneEpochs),
    fineTuneLr: positiveDecimal('--fine-tune-lr', flags.fineTuneLr, { max: 10 }),
    unfreezeFrom: flags.unfreezeFrom,
    fineTuneLayers: wholeNumber('--fine-tune-layers', flags.fineTuneLayers),
    tensorboard: flags.tensorboard,
    resume: Boolean(flags.resume),
    cache: flags.cache !== false,
    ...dataRunOptions(data),
    ...training,
  };
}

async function runTransfer(flags: TransferFlags, verbose: boolean): Promise<void> {
  const out = new Output({ json: Boolean(flags.json), verbose });
  const options = await transferOptionsFrom(flags);
  const { requireTf } = await import('../native');
  await requireTf(out);
  const { transfer } = await import('../../pipeline/transfer');
  const { withTrainingHooks } = await import('../training-render');
  const r = await withTrainingHooks(out, (hooks) => transfer(options, hooks));
  const m = r.metrics;
  if (out.json) {
    out.result({ outDir: r.outDir, base: r.base, cutLayer: r.cutLayer, unfreezeFrom: r.unfreezeFrom, classes: r.classes, phases: r.phases, metrics: m, cache: r.cache, seconds: r.seconds, savedModelCheck: r.savedModelCheck, teachableMachine: teachableMachineNote(r.outDir) });
    return;
  }
  out.info(
    `\n${out.c.green('Done')} in ${r.seconds.toFixed(0)} s: ${r.classes.length} classes, ` + accuracySummary(m) + `.\n${savedModelLine(r.outDir, r.savedModelCheck)}${teachableMachineLine(r.outDir)}\nNext: tl evaluate --model ${r.outDir}   (uses the run's own test split; add --data <dir> for other images)`,
  );
}

export function registerTransfer(program: Command): void {
  const cmd = program
    .command('transfer')
    .description('transfer learning: freeze a base, train a new head on its features, then fine-tune its top layers')
    .requiredOption('--base <ref>', 'base model: zoo name (tl models list), a tl run directory, a model.json path or an http(s) URL')
    .requiredOption('--out <dir>', 'run directory to write (refused if it exists, unless --overwrite)')
    .option('--cut-layer <name|index>', "layer to cut the base at (default: the base's feature layer)")
    .option('--dropout <x>', 'dropout rate of the new head', String(TRANSFER_DEFAULTS.head.dropout))
    .option('--hidden <units>', 'hidden dense layers of the head, e.g. 128 or 256,64 (default none)')
    .option('--l2 <x>', 'L2 penalty on the head kernels', String(TRANSFER_DEFAULTS.head.l2))
    .option('--fine-tune-epochs <n|auto>', `phase 2 epochs, 0 skips fine-tuning; auto: ${describeAutoEpochs(FINE_TUNE_RULE, STREAMED_FINE_TUNE_RULE)}`, String(TRANSFER_DEFAULTS.fineTuneEpochs))
    .option('--fine-tune-lr <x>', 'phase 2 learning rate (default: a tenth of --lr)')
    .option('--unfreeze-from <layer>', 'phase 2 unfreezes the base from this layer (name or index) up')
    .option('--fine-tune-layers <k>', 'phase 2 unfreezes the top K layers of the cut base (when --unfreeze-from is not given)', String(TRANSFER_DEFAULTS.fineTuneLayers))
    .option('--tensorboard <dir>', 'write TensorBoard event files there')
    .option('--resume', 'continue an interrupted run with the same --out from its checkpoint')
    .option('--no-cache', 'do not read or write the on-disk activation cache')
    .option('--overwrite', 'replace an existing --out that is empty or a tl run directory with nothing else in it')
    .option('--json', 'print one JSON object on stdout (outDir, phases, metrics.valAccuracy, metrics.testAccuracy, ...)');
  addDataOptions(cmd, { required: true });
  addTrainingOptions(cmd, TRANSFER_DEFAULTS, { rule: HEAD_RULE, streamedRule: STREAMED_HEAD_RULE });
  cmd
    .addHelpText(
      'after',
      `
Examples:
  $ tl transfer --base mobilenet-v2-nsfwjs --data ./imgs --out runs/flowers
  $ tl transfer --base models/source --data fashion-mnist:5-9 --limit-per-class 20 --out runs/few
  $ tl transfer --base mobilenet --data ./imgs --augment flip,rotation=10 --fine-tune-epochs 10 --out runs/aug
  $ tl transfer --base mobilenet-v2-nsfwjs --data ./imgs --out runs/flowers --resume   # after Ctrl-C`,
    )
    .action(async (flags: TransferFlags, c: Command) => runTransfer(flags, Boolean(c.optsWithGlobals().verbose)));
}
