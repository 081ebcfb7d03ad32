// `tl compare <run dir>...`: settings that differ, metrics side by side, overlaid learning curves
// and per-class accuracy, as compare.html + PNGs (--out) and numbers (--json).
import * as path from 'path';
import { Command } from 'commander';
import { Output } from '../output';
import { UsageError } from '../../errors';

interface CompareFlags {
  out?: string;
  json?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('put runs side by side: settings that differ, metrics, overlaid learning curves, per-class accuracy')
    .argument('<dirs...>', 'run directories (tl pretrain/transfer) or run folders of a tl run results folder')
    .option('--out <dir>', 'where compare.html, compare.png, compare-per-class.png and compare.json go (default compare/)')
    .option('--json', 'print the comparison as one JSON object on stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ tl compare runs/dropout/head-3f2a... runs/dropout/head-9c1b...
  $ tl compare runs/few runs/from-scratch --out reports/few-vs-scratch --json`,
    )
    .action(async (dirs: string[], flags: CompareFlags, c: Command) => {
      const out = new Output({ json: Boolean(flags.json), verbose: Boolean(c.optsWithGlobals().verbose) });
      if (dirs.length < 2) throw new UsageError('tl compare needs at least two run directories', 'Name two or more folders written by tl pretrain, tl transfer or tl run.');
      const { readCompareRun, writeComparison, METRIC_NAMES } = await import('../../experiments');
      const runs = dirs.map(readCompareRun);
      const outDir = flags.out ?? 'compare';
      const { files, comparison } = await writeComparison(outDir, `tl compare: ${runs.map((r) => r.name).join(' vs ')}`, runs);
      if (out.json) return out.result({ ...comparison, files });
      for (const k of comparison.differences) out.info(`${k.padEnd(24)} ${comparison.runs.map((r) => String(r.settings[k] ?? '')).join('  |  ')}`);
      for (const [k, label] of METRIC_NAMES) {
        if (comparison.runs.every((r) => r.metrics[k] === undefined)) continue;
        out.info(`${label.padEnd(24)} ${comparison.runs.map((r) => (r.metrics[k] === undefined ? '-' : r.metrics[k]!.toFixed(4))).join('  |  ')}`);
      }
      out.info(`\nCompare page: ${path.join(outDir, 'compare.html')} (curves: ${path.join(outDir, 'compare.png')})`);
    });
}
