// `tl predict --model <run> <file|dir|glob>...`: top-k classes per image, streamed in batches:
// a table on a terminal, CSV (default) or one JSON object (--json) otherwise. Flags, help and
// rendering only; decoding and prediction live in src/evaluate (imported when the command runs).
import * as path from 'path';
import { Command } from 'commander';
import { DataError, UsageError } from '../../errors';
import { Output } from '../output';
import type { FilePrediction } from '../../evaluate';
import { FLAG_CEILINGS, wholeNumber, wholeNumberOrAuto } from '../flag-values';
import { PREDICT_DEFAULTS } from '../../defaults';
import { csvField } from '../../report/files';

interface PredictFlags {
  model: string;
  topK: string;
  json?: boolean;
  csv?: boolean;
  batchSize: string;
}

export function registerPredict(program: Command): void {
  const cmd = program
    .command('predict')
    .description('classify images with a trained model: the top-k classes and their probabilities per image')
    .argument('<inputs...>', 'image files, folders (searched recursively) or quoted patterns with * ? and ** (e.g. "photos/*.jpg")')
    .requiredOption('--model <path>', 'a tl run directory or a model.json inside one')
    .option('--top-k <k>', 'how many classes to list per image', String(PREDICT_DEFAULTS.topK))
    .option('--json', 'print one JSON object on stdout: { predictions: [{ file, top: [{ label, probability }] }], skipped }')
    .option('--csv', 'print CSV rows as they are computed: file,label_1,probability_1,...')
    .option('--batch-size <n|auto>', 'images per forward pass (memory stays bounded by two batches); auto: from the model\'s largest activation', String(PREDICT_DEFAULTS.batchSize));
  cmd.addHelpText(
    'after',
    `
Examples:
  $ tl predict --model runs/flowers photo.jpg
  $ tl predict --model runs/flowers ./holiday --top-k 5
  $ tl predict --model runs/flowers "shots/**/*.png" --csv > predictions.csv
  $ tl predict --model runs/flowers/model.json a.jpg b.jpg --json

On a terminal the output is a table; when stdout is a pipe or file it is CSV unless --json.
Images are decoded and scaled exactly as in training (tl.json "input" of the run).
Files that cannot be read or decoded are reported on stderr and skipped; the others are
still predicted.
Exit codes: 0 all predicted, 3 some inputs were skipped (or none could be read),
2 usage, 4 model, 5 native backend.`,
  );
  cmd.action(async (inputs: string[], flags: PredictFlags, command: Command) => runPredict(inputs, flags, command));
}

type Format = 'table' | 'csv' | 'json';

async function runPredict(inputs: string[], flags: PredictFlags, command: Command): Promise<void> {
  if (flags.json && flags.csv) throw new UsageError('--json and --csv cannot be combined', 'Pick one output format.');
  const out = new Output({ json: Boolean(flags.json), verbose: Boolean(command.optsWithGlobals().verbose) });
  const topK = wholeNumber('--top-k', flags.topK)!;
  const batchFlag = wholeNumberOrAuto('--batch-size', flags.batchSize, { min: 1, max: FLAG_CEILINGS.batchSize });
  const givenBatch = batchFlag === 'auto' ? undefined : batchFlag;
  const format: Format = flags.json ? 'json' : flags.csv || !out.isTTY ? 'csv' : 'table';

  const [{ expandInputs, predictFiles }, { readRunDirectory, inferInput, inferenceBatchSize, describeInferenceBatch }, { IMAGE_EXTENSIONS }] = await Promise.all([
    import('../../evaluate'),
    import('../../models'),
    import('../../data'),
  ]);
  const isImage = (name: string) => IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
  const { files, missing } = await expandInputs(inputs, isImage);
  const skipped: { id: string; reason: string }[] = [];
  const skip = (s: { id: string; reason: string }) => {
    skipped.push(s);
    out.warn(`skipped ${s.id}: ${s.reason}`);
  };
  missing.forEach(skip);
  if (files.length === 0) {
    throw new DataError(`no images to predict in ${inputs.join(' ')}`, 'Pass image files, folders with images, or a quoted pattern like "photos/*.jpg".');
  }

  const run = await readRunDirectory(flags.model);
  const input = run.tl?.input ?? inferInput(run.model, flags.model);
  const k = Math.min(topK, run.labels.length);
  const chosen = givenBatch === undefined ? inferenceBatchSize(run.model) : undefined;
  if (chosen) out.debug(`inference batch ${describeInferenceBatch(chosen)}`);
  const batchSize = givenBatch ?? chosen!.batchSize;
  const all: FilePrediction[] = [];
  let predicted = 0;
  const bar = format === 'json' ? out.progress('Predicting', files.length) : undefined;
  if (format === 'csv') process.stdout.write(csvHeader(k) + '\n');
  try {
    for await (const group of predictFiles(run.model, run.labels, input, files, { batchSize, topK: k, onSkip: skip })) {
      predicted += group.length;
      if (format === 'json') {
        all.push(...group);
        bar?.update(predicted);
      } else if (format === 'csv') {
        process.stdout.write(group.map(csvRow).join('\n') + '\n');
      } else {
        for (const line of tableRows(group, out)) out.info(line);
      }
    }
  } finally {
    bar?.stop();
    run.model.dispose();
  }
  if (format === 'json') {
    out.result({ model: run.dir, labels: run.labels, topK: k, count: predicted, predictions: all, skipped });
  }
  if (skipped.length > 0) {
    throw new DataError(
      predicted === 0
        ? `none of the inputs could be predicted (${skipped.length} skipped)`
        : `${skipped.length} input${skipped.length === 1 ? ' was' : 's were'} skipped (${predicted} predicted); see the warnings above`,
      'Exit code 3 means some inputs were unreadable; the predictions printed are complete for the rest.',
    );
  }
}

export function csvHeader(k: number): string {
  const cols = ['file'];
  for (let i = 1; i <= k; i++) cols.push(`label_${i}`, `probability_${i}`);
  return cols.join(',');
}

export function csvRow(p: FilePrediction): string {
  return [csvField(p.file), ...p.top.flatMap((t) => [csvField(t.label), String(t.probability)])].join(',');
}

/** One line per image: path, then "label 97.3%" for each of the top-k, top-1 in bold. */
export function tableRows(group: FilePrediction[], out: Output): string[] {
  const rel = (f: string) => {
    const r = path.relative(process.cwd(), f);
    return r.startsWith('..') ? f : r;
  };
  const names = group.map((p) => rel(p.file));
  const width = Math.min(60, Math.max(...names.map((n) => n.length)));
  return group.map((p, i) => {
    const tops = p.top.map((t, j) => {
      const s = `${t.label} ${(t.probability * 100).toFixed(1)}%`;
      return j === 0 ? out.c.bold(s) : out.c.gray(s);
    });
    return `${names[i].padEnd(width)}  ${tops.join('  ')}`;
  });
}
