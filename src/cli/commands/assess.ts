// `tl assess --base B --data D`: will transfer from B help on D? Flags, help and rendering only;
// the measurement is assess() in src/assess, imported (with TensorFlow) when the command runs.
import { Command } from 'commander';
import { UsageError } from '../../errors';
import { Output, type Progress } from '../output';
import { addDataOptions, dataOptionsFrom, RawDataFlags } from '../data-flags';
import { wholeNumber } from '../flag-values';
import type { AssessResult } from '../../assess/types';

interface AssessFlags extends RawDataFlags {
  base: string;
  layers?: string;
  probeImages?: string;
  folds?: string;
  steps?: string;
  report?: string;
  json?: boolean;
  /** false with --no-cache */
  cache?: boolean;
}

export function registerAssess(program: Command): void {
  const cmd = program
    .command('assess')
    .description('before training: will transfer from this base help on this data? (input match, data size, linear probes of the base\'s features against pixels and a random copy)')
    .requiredOption('--base <ref>', 'the base: a zoo name, a tl run directory, a model.json path or an http(s) URL')
    .option('--layers <list>', "cut layers to probe, comma-separated names or numbers (default: the base's feature layer and two lower ones)")
    .option('--probe-images <n>', 'training images per class the probes use at most (a seeded sample)', '100')
    .option('--folds <k>', 'folds of the cross-validation (fewer when a class has fewer images)', '5')
    .option('--steps <n>', 'full-batch optimizer steps per probe fit', '300')
    .option('--report <dir>', 'also write assess.html and assess.json into this folder')
    .option('--json', 'print one JSON object on stdout (keys include verdict, probes, baselines, suggestedCutLayer, inputMatch, dataSize)')
    .option('--no-cache', "compute the base's activations without reading or filling the activation cache");
  addDataOptions(cmd, { required: true, augment: false, resize: false });
  cmd.addHelpText(
    'after',
    `
Examples:
  $ tl assess --base mobilenet-v2-nsfwjs --data fashion-mnist:5-9 --limit-per-class 20
  $ tl assess --base models/source --data fashion-mnist:5-9 --layers features,conv4 --json
  $ tl assess --base mobilenet --data ./imgs --report out/assess

The verdict is "likely" when the best layer's features beat both raw pixels and a randomly
initialised copy of the base by at least 3 points of cross-validated accuracy (and the base saw
at least 10x as many images per class), "unlikely" when they beat them by less than 1 point,
"uncertain" otherwise. The base's activations go to the activation cache, so a second run (or a
later tl transfer at the same layer) reads them from disk.
Exit codes: 0 ok (whatever the verdict), 2 usage, 3 data, 4 model, 5 native backend.`,
  );
  cmd.action(async (flags: AssessFlags, command: Command) => runAssess(flags, command));
}

function layerList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const layers = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (layers.length === 0) throw new UsageError(`--layers '${text}' names no layer`, 'Give layer names or numbers separated by commas, e.g. --layers block_13_expand_relu,block_6_expand_relu.');
  return layers;
}

async function runAssess(flags: AssessFlags, command: Command): Promise<void> {
  const out = new Output({ json: Boolean(flags.json), verbose: Boolean(command.optsWithGlobals().verbose) });
  const data = dataOptionsFrom(flags);
  const options = {
    base: flags.base,
    data: data.data!,
    layers: layerList(flags.layers),
    probeImagesPerClass: wholeNumber('--probe-images', flags.probeImages, { min: 2 }),
    folds: wholeNumber('--folds', flags.folds, { min: 2, max: 20 }),
    steps: wholeNumber('--steps', flags.steps, { min: 1, max: 100000 }),
    seed: data.seed,
    valSplit: data.valSplit,
    testSplit: data.testSplit,
    limitPerClass: data.limitPerClass,
    cache: flags.cache !== false,
  };
  if (flags.report !== undefined) {
    const { checkWriteTarget } = await import('../../out-paths');
    checkWriteTarget(flags.report, { flag: '--report', writes: 'inside' });
  }
  const { requireTf } = await import('../native');
  await requireTf(out);
  const { assess } = await import('../../assess');
  const bars = new Map<string, Progress>();
  const result = await assess(options, {
    onStage: (message) => out.debug(message),
    onWarning: (message) => out.warn(message),
    onProgress: (stage, done, total) => {
      let bar = bars.get(stage);
      if (!bar) bars.set(stage, (bar = out.progress(stage, total)));
      bar.update(done);
    },
  }).finally(() => bars.forEach((b) => b.stop()));

  let files: string[] = [];
  if (flags.report !== undefined) {
    const { writeAssessReport } = await import('../../report/assess');
    files = await writeAssessReport(flags.report, result);
  }
  if (out.json) out.result({ ...result, ...(files.length ? { files } : {}) });
  else for (const line of renderAssessment(result, out)) out.info(line);
  if (!out.json && files.length) out.info(`Report: ${files.find((f) => f.endsWith('.html'))}`);
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const points = (v: number) => `${Math.abs(v * 100).toFixed(1)} points`;

/** The short verdict with its numbers, as lines (pure, so tests read it without a terminal). */
export function renderAssessment(r: AssessResult, out: Output): string[] {
  const c = out.c;
  const best = r.probes.find((p) => p.layer === r.suggestedCutLayer)!;
  const colour = r.verdict === 'likely' ? c.green : r.verdict === 'unlikely' ? c.red : c.yellow;
  const lines: string[] = [];
  const vsPixels = best.accuracy - r.baselines.pixels;
  const vsRandom = best.accuracy - r.baselines.randomBase;
  lines.push(
    `Features ${vsPixels >= 0 ? 'beat' : 'trail'} pixels by ${points(vsPixels)} and a random copy of the base by ${points(vsRandom)}${vsRandom < 0 ? ' (trail)' : ''} at ${r.suggestedCutLayer}: ` +
      `${pct(best.accuracy)} against ${pct(r.baselines.pixels)} and ${pct(r.baselines.randomBase)}.`,
  );
  const verdict = r.verdict === 'uncertain' ? `Whether transfer helps is ${colour(c.bold('uncertain'))}` : `Transfer is ${colour(c.bold(r.verdict))} to help`;
  lines.push(`${verdict}${r.verdict === 'unlikely' ? '' : `; suggested cut: ${r.suggestedCutLayer}`}.`);
  if (r.reasons[0]) lines.push(c.gray(`(${r.reasons[0]})`));
  lines.push('');
  const width = Math.max(...r.probes.map((p) => p.layer.length), 'raw pixels'.length);
  lines.push(c.bold(`${'cut layer'.padEnd(width)}  probe    random   features`));
  for (const p of r.probes) lines.push(`${p.layer.padEnd(width)}  ${pct(p.accuracy).padStart(6)}   ${pct(p.randomBase).padStart(6)}   ${p.features}`);
  lines.push(`${'raw pixels'.padEnd(width)}  ${pct(r.baselines.pixels).padStart(6)}            ${r.probe.pixelShape.join('x')}`);
  lines.push(c.gray(`linear probes, ${r.probe.folds}-fold cross-validated on ${r.probe.images} training images, ${r.seconds.toFixed(1)} s`));
  const notes = [...r.reasons.slice(1)];
  if (notes.length) {
    lines.push('');
    for (const n of notes) lines.push(`${c.yellow('note:')} ${n}`);
  }
  const s = r.dataSize;
  lines.push('');
  lines.push(`Data: ${s.trainPerClass.median} training images per class (median, ${s.classes} classes); base trained on ${s.base ? `${s.base.data}${s.base.perClass ? `, about ${s.base.perClass} images per class` : ''}` : 'unknown data'}.`);
  const m = r.inputMatch;
  lines.push(`Input: base ${m.base.width}x${m.base.height}x${m.base.channels} (${m.preprocessing}); your images ${m.data ? `${m.data.width}x${m.data.height}x${m.data.channels}` : 'of unknown size'}.`);
  return lines;
}
