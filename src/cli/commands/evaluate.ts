// `tl evaluate --model <run> [--data <spec>]`: metrics, a readable summary, report files and a
// CI gate (exit 1 when a --min-* threshold is not met). Flags, help and rendering only; the
// work is evaluateRun in src/pipeline, imported when the command runs.
import { Command, Option } from 'commander';
import { ThresholdError, UsageError } from '../../errors';
import { Output, type Progress } from '../output';
import type { Metrics } from '../../evaluate';
import type { EvaluateRunResult } from '../../pipeline';
import { FLAG_CEILINGS, wholeNumber, wholeNumberOrAuto } from '../flag-values';
import { EVALUATE_DEFAULTS } from '../../defaults';

interface EvaluateFlags {
  model: string;
  data?: string;
  split?: 'train' | 'val' | 'test' | 'all';
  json?: boolean;
  minAccuracy?: string;
  minF1?: string;
  topK?: string;
  report?: string;
  batchSize?: string;
  /** false with --no-cache */
  cache?: boolean;
}

/** Rows of the compact confusion matrix shown in a terminal; larger ones only go to files. */
const MAX_TERMINAL_MATRIX_CLASSES = 30;
const LIST_LIMIT = 10;

export function registerEvaluate(program: Command): void {
  const cmd = program
    .command('evaluate')
    .description('measure a trained model: accuracy, per-class precision/recall/F1, confusion matrix, calibration, worst mistakes; gate CI on thresholds')
    .requiredOption('--model <path>', 'a tl run directory (from pretrain or transfer) or a model.json inside one')
    .option('--data <spec>', "data to evaluate on (folder, manifest or built-in set); default: the run's own held-out test split")
    .addOption(new Option('--split <name>', 'with --data: which of its examples to use (default all)').choices(['train', 'val', 'test', 'all']))
    .option('--json', 'print one JSON object on stdout (keys include accuracy, loss, perClass, confusionMatrix, passed)')
    .option('--min-accuracy <x>', 'fail (exit 1) when accuracy is below x (0..1)')
    .option('--min-f1 <x>', 'fail (exit 1) when the macro-averaged F1 is below x (0..1)')
    .option('--top-k <k>', 'also report top-k accuracy (default 5 when the model has more than 5 classes)')
    .option('--report <dir>', 'where to write evaluation.json, confusion-matrix.csv/.png, per-class-f1.png, report.html (default <run dir>/evaluation)')
    .option('--no-report', 'write no files, only print')
    .option('--batch-size <n|auto>', 'images per forward pass; auto: from the model\'s largest activation (--verbose shows it)', String(EVALUATE_DEFAULTS.batchSize))
    .option('--no-cache', "transfer runs: run the whole model on every image instead of reading the frozen base's activations from the activation cache");
  cmd.addHelpText(
    'after',
    `
Examples:
  $ tl evaluate --model runs/flowers
  $ tl evaluate --model runs/flowers --min-accuracy 0.9 --min-f1 0.85
  $ tl evaluate --model runs/flowers/model.json --data ./more-flowers --report out/eval
  $ tl evaluate --model runs/few --data fashion-mnist:5-9 --split test --json

Without --data the run's saved split is used: exactly the test images it held out.
With --data, its class names are matched to the model's by name; a class the model does
not know is an error.
Exit codes: 0 ok, 1 a --min-* threshold not met (the files are still written), 2 usage,
3 data, 4 model, 5 native backend, 130 interrupted.`,
  );
  cmd.action(async (flags: EvaluateFlags, command: Command) => runEvaluate(flags, command));
}

function fraction(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (!Number.isFinite(x) || x < 0 || x > 1) {
    const hint = Number.isFinite(x) && x > 1 && x <= 100 ? `Give a fraction: ${flag} ${x / 100} for ${x}%.` : `Give a number between 0 and 1, e.g. ${flag} 0.9.`;
    throw new UsageError(`${flag} must be between 0 and 1, got '${value}'`, hint);
  }
  return x;
}

async function runEvaluate(flags: EvaluateFlags, command: Command): Promise<void> {
  const out = new Output({ json: Boolean(flags.json), verbose: Boolean(command.optsWithGlobals().verbose) });
  const thresholds = { minAccuracy: fraction(flags.minAccuracy, '--min-accuracy'), minF1: fraction(flags.minF1, '--min-f1') };
  const topK = wholeNumber('--top-k', flags.topK);
  const batchFlag = wholeNumberOrAuto('--batch-size', flags.batchSize, { min: 1, max: FLAG_CEILINGS.batchSize });
  const batchSize = batchFlag === 'auto' ? undefined : batchFlag;
  // commander turns --no-report into report=false.
  const reportFlag = (flags as { report?: string | boolean }).report;
  const reportDir = reportFlag === false ? null : typeof reportFlag === 'string' ? reportFlag : undefined;

  const { evaluateRun } = await import('../../pipeline');
  let bar: Progress | undefined;
  const result = await evaluateRun({
    model: flags.model,
    data: flags.data,
    split: flags.split,
    batchSize,
    topK,
    thresholds,
    reportDir,
    cache: flags.cache !== false,
    onWarning: (message) => out.warn(message),
    onDetail: (message) => out.debug(message),
    onProgress: (e) => {
      if (e.stage === 'predict') {
        if (!bar) bar = out.progress('Evaluating', e.total);
        bar.update(e.done);
      } else if (e.stage === 'report' && e.done === 0) {
        bar?.stop();
        bar = undefined;
        out.debug('rendering charts and report.html');
      }
    },
  }).finally(() => bar?.stop());

  if (out.json) out.result(result.summary);
  else for (const line of renderEvaluation(result, out)) out.info(line);

  if (!result.gate.passed) {
    const { describeFailures } = await import('../../evaluate');
    const failures = describeFailures(result.gate);
    throw new ThresholdError(
      `quality gate not met: ${failures.join('; ')}`,
      result.reportDir ? `The report is in ${result.reportDir}; the most confident mistakes are listed there.` : undefined,
    );
  }
}

const f3 = (v: number) => v.toFixed(3);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The terminal summary as lines (kept pure so tests can read it without a terminal). */
export function renderEvaluation(r: EvaluateRunResult, out: Output): string[] {
  const c = out.c;
  const m = r.metrics;
  const lines: string[] = [];
  lines.push(`${c.bold('Evaluated')} ${r.runDir} on ${r.dataDescription}: ${m.count} images in ${r.seconds.toFixed(1)} s`);
  if (r.frozenActivations) {
    const a = r.frozenActivations;
    lines.push(`Frozen base activations (at ${a.cutLayer}): ${a.fromCache} from the cache, ${a.computed} computed; --no-cache runs the whole model`);
  }
  if (r.cacheUnusable) lines.push(c.dim(`Ran the whole model on every image; the activation cache could not serve this run: ${r.cacheUnusable}`));
  lines.push('');
  const head = [
    `accuracy ${c.bold(pct(m.accuracy))}`,
    m.topK ? `top-${m.topK.k} ${pct(m.topK.accuracy)}` : '',
    `loss ${m.loss.toFixed(4)}`,
    `macro F1 ${f3(m.macro.f1)}`,
    `weighted F1 ${f3(m.weighted.f1)}`,
    `calibration error ${f3(m.calibration.ece)}`,
  ].filter(Boolean);
  lines.push(head.join('   '));
  lines.push('');
  lines.push(...perClassTable(m, out));
  lines.push('');
  lines.push(...compactConfusionMatrix(m, out));
  if (m.mistakes.length > 0) {
    lines.push('');
    lines.push('most confident mistakes:');
    for (const k of m.mistakes.slice(0, 5)) {
      lines.push(`  ${k.id}: true ${k.trueLabel}, predicted ${c.red(k.predictedLabel)} (${pct(k.probability)})`);
    }
  }
  if (r.skipped.length > 0) {
    lines.push('');
    lines.push(c.yellow(`skipped ${r.skipped.length} file${r.skipped.length === 1 ? '' : 's'}:`));
    for (const s of r.skipped.slice(0, LIST_LIMIT)) lines.push(`  ${s.id}: ${s.reason}`);
    if (r.skipped.length > LIST_LIMIT) lines.push(c.gray(`  ... and ${r.skipped.length - LIST_LIMIT} more (all are in evaluation.json)`));
  }
  if (r.gate.checks.length > 0) {
    lines.push('');
    for (const g of r.gate.checks) {
      lines.push(
        g.passed
          ? `${c.green('pass')} ${g.name} ${g.actual.toFixed(4)} >= ${g.flag} ${g.required}`
          : `${c.red('FAIL')} ${g.name} ${g.actual.toFixed(4)} < ${g.flag} ${g.required} (short by ${g.shortBy.toFixed(4)})`,
      );
    }
  }
  lines.push('');
  if (r.reportDir) {
    const html = r.files.find((f) => f.endsWith('report.html'));
    lines.push(`Report: ${html ?? r.reportDir}  (files in ${r.reportDir})`);
  }
  return lines;
}

function perClassTable(m: Metrics, out: Output): string[] {
  const c = out.c;
  const header = ['class', 'precision', 'recall', 'F1', 'support'];
  const rows = m.perClass.map((p) => [p.label, f3(p.precision), f3(p.recall), f3(p.f1), String(p.support)]);
  const foot = [
    ['macro avg', f3(m.macro.precision), f3(m.macro.recall), f3(m.macro.f1), String(m.count)],
    ['weighted avg', f3(m.weighted.precision), f3(m.weighted.recall), f3(m.weighted.f1), String(m.count)],
  ];
  const all = [header, ...rows, ...foot];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (row: string[]) => row.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [c.bold(fmt(header)), ...rows.map(fmt), ...foot.map((r) => c.gray(fmt(r)))];
}

/**
 * Rows are true classes (numbered, with names), columns predicted classes by number, so the
 * table stays narrow. Diagonal in green, confusions in red, zeros dimmed (colour on TTY only).
 */
function compactConfusionMatrix(m: Metrics, out: Output): string[] {
  const c = out.c;
  const n = m.labels.length;
  if (n > MAX_TERMINAL_MATRIX_CLASSES) return [`confusion matrix: ${n} classes, see confusion-matrix.csv / .png`];
  const cellWidth = Math.max(2, ...m.confusionMatrix.flat().map((v) => String(v).length), String(n - 1).length);
  const nameWidth = Math.min(24, Math.max(...m.labels.map((l) => l.length)));
  const idxWidth = String(n - 1).length;
  const lines = ['confusion matrix (rows: true class, columns: predicted class number)'];
  lines.push(`${' '.repeat(idxWidth + 1 + nameWidth)}  ${m.labels.map((_, j) => String(j).padStart(cellWidth)).join(' ')}`);
  m.confusionMatrix.forEach((row, i) => {
    const name = m.labels[i].length > nameWidth ? m.labels[i].slice(0, nameWidth - 1) + '~' : m.labels[i];
    const cells = row.map((v, j) => {
      const s = String(v).padStart(cellWidth);
      if (v === 0) return c.gray(s);
      return i === j ? c.green(s) : c.red(s);
    });
    lines.push(`${String(i).padStart(idxWidth)} ${name.padEnd(nameWidth)}  ${cells.join(' ')}`);
  });
  return lines;
}
