// `tl inspect --data <spec>`: what a data set holds before any training: images per class and
// split, sizes and channels, unusable files with reasons, duplicates, imbalance.
// Flags, help and rendering only; the summary is computed by the data room (imported on use).
import { Command } from 'commander';
import { Output, type Progress } from '../output';
import { addDataOptions, dataOptionsFrom, RawDataFlags } from '../data-flags';
import type { InspectReport } from '../../data';

interface InspectFlags extends RawDataFlags {
  json?: boolean;
}

/** How many skipped files / duplicate groups to list before "... and N more". */
const LIST_LIMIT = 10;

export function registerInspect(program: Command): void {
  const cmd = program
    .command('inspect')
    .description('summarise a data set: images per class and split, sizes, unreadable files, duplicates, imbalance')
    .option('--json', 'print one JSON object on stdout (keys: classes, counts, totals, sizes, skipped, duplicates, imbalance, warnings, ...)');
  addDataOptions(cmd, { required: true, augment: false, resize: false });
  cmd.addHelpText(
    'after',
    `
Examples:
  $ tl inspect --data ./imgs
  $ tl inspect --data fashion-mnist:0-4 --json
  $ tl inspect --data ./labels.csv --val-split 0.2 --test-split 0.2
  $ tl inspect --data fashion-mnist:5-9 --limit-per-class 20

Every file is decoded once, so truncated and corrupt images are listed with a reason.
Exit code 3 when the data cannot be used (missing path, one class, a class without images).`,
  );
  cmd.action(async (flags: InspectFlags, command: Command) => runInspect(flags, command));
}

async function runInspect(flags: InspectFlags, command: Command): Promise<void> {
  const out = new Output({ json: Boolean(flags.json), verbose: Boolean(command.optsWithGlobals().verbose) });
  const options = dataOptionsFrom(flags);
  const { inspectData } = await import('../../data');
  let bar: Progress | undefined;
  const report = await inspectData(options.data!, {
    ...options,
    onProgress: (e) => {
      if (!bar) bar = out.progress('Checking images', e.total);
      bar.update(e.done);
    },
  }).finally(() => bar?.stop());
  if (out.json) {
    out.result(report);
    return;
  }
  for (const line of renderInspectReport(report, out, out.verbose)) out.info(line);
  for (const w of report.warnings) out.warn(w);
}

/** The human summary, as lines (kept separate so tests can read it without a terminal). */
export function renderInspectReport(r: InspectReport, out: Output, all: boolean): string[] {
  const c = out.c;
  const lines: string[] = [];
  const rel = (id: string) => relativeTo(id, r.root);
  const kindText = {
    builtin: `built-in set, ${r.sizes.width.max}x${r.sizes.height.max} grey`,
    folder: 'folder of class folders',
    'presplit-folder': 'pre-split folder (train/val/test)',
    manifest: 'manifest',
  }[r.kind];
  lines.push(`${c.bold(r.root ?? r.spec)}  (${kindText})`);
  lines.push('');

  const header = ['class', 'train', 'val', 'test', 'total'];
  const rows = r.classes.map((name) => {
    const k = r.counts[name];
    return [name, String(k.train), String(k.val), String(k.test), String(k.total)];
  });
  const totalRow = ['all', String(r.totals.train), String(r.totals.val), String(r.totals.test), String(r.totals.total)];
  const widths = header.map((h, i) => Math.max(h.length, totalRow[i].length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  lines.push(c.bold(fmt(header)));
  for (const row of rows) lines.push(fmt(row));
  lines.push(c.gray(fmt(totalRow)));
  lines.push('');

  const s = r.splitConfig;
  lines.push(
    s.presplit
      ? 'split: as given by the data (pre-split folders or the manifest split column)'
      : `split: stable by image content, seed ${s.seed}, val ${s.valSplit}, test ${s.testSplit}`,
  );
  if (s.limitPerClass !== undefined) {
    lines.push(`limit: at most ${s.limitPerClass} training images per class (${r.droppedByLimit} left out; val/test complete)`);
  }
  const z = r.sizes;
  if (z.images > 0) {
    const dim = (x: { min: number; median: number; max: number }) => (x.min === x.max ? `${x.min}` : `${x.min}..${x.max} (median ${x.median})`);
    lines.push(`sizes: width ${dim(z.width)}, height ${dim(z.height)}`);
    lines.push(`colour: ${counted(z.colours)}; formats: ${counted(z.formats)}`);
  }
  lines.push(`ignored: ${r.ignoredCount} (hidden files, non-images, files outside class folders, repeated manifest rows)`);

  if (r.skipped.length) {
    lines.push('');
    lines.push(c.yellow(`skipped ${r.skipped.length} file${r.skipped.length === 1 ? '' : 's'}:`));
    const shown = all ? r.skipped : r.skipped.slice(0, LIST_LIMIT);
    for (const sk of shown) lines.push(`  ${rel(sk.id)}: ${sk.reason}`);
    if (shown.length < r.skipped.length) lines.push(c.gray(`  ... and ${r.skipped.length - shown.length} more (--verbose or --json lists all)`));
  }
  if (r.duplicates.length) {
    const cross = r.duplicates.filter((d) => d.crossClass).length;
    lines.push('');
    lines.push(`duplicates: ${r.duplicates.length} group${r.duplicates.length === 1 ? '' : 's'} of identical images${cross ? `, ${cross} across classes` : ''} (one copy per class is used)`);
    const ordered = [...r.duplicates].sort((a, b) => Number(b.crossClass) - Number(a.crossClass));
    const shown = all ? ordered : ordered.slice(0, LIST_LIMIT);
    for (const d of shown) {
      const copies = d.ids.map((id, i) => `${rel(id)}${d.crossClass ? ` [${d.labels[i]}]` : ''}`).join(' = ');
      lines.push(`  ${d.crossClass ? c.yellow(copies) : copies}`);
    }
    if (shown.length < r.duplicates.length) lines.push(c.gray(`  ... and ${r.duplicates.length - shown.length} more (--verbose or --json lists all)`));
  }
  lines.push('');
  lines.push(`Next: tl transfer --base <model> --data ${quoteIfNeeded(r.spec)} --out runs/<name>`);
  return lines;
}

function counted(m: Record<string, number>): string {
  return Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function relativeTo(id: string, root?: string): string {
  if (!root || !id.startsWith(root)) return id;
  const rest = id.slice(root.length).replace(/^[\\/]/, '');
  return rest === '' ? id : rest;
}

function quoteIfNeeded(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
