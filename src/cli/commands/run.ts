// `tl run <file>`: the runs of an experiment file (YAML or JSON), in order, skipping finished ones,
// with a results folder for CI (results.json/.csv, summary.md, junit.xml); --list, --shard, --merge.
// The work lives in src/experiments and src/cli/experiment-steps.ts, imported when the command runs.
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { Output } from '../output';
import { TlError, ThresholdError, UsageError } from '../../errors';
import type { PlannedRun, ResultRow, ResultsSummary, RunRecord } from '../../experiments';

interface RunFlags {
  out?: string;
  force?: boolean;
  failFast?: boolean;
  list?: boolean;
  shard?: string;
  merge?: string[];
  json?: boolean;
  jobs?: string;
  /** internal: run only this id (a --jobs child), writing its run.json and no results files */
  only?: string;
}

const EXAMPLE_FILE = `  defaults: { data: "fashion-mnist:5-9", limitPerClass: 20 }
  experiments:
    - { name: source, step: pretrain, data: "fashion-mnist:0-4" }
    - name: head
      step: transfer
      base: source            # an earlier step
      matrix: { dropout: [0, 0.5], seed: [1, 2] }
      gates: { minAccuracy: 0.7 }`;

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run an experiment file (YAML/JSON): steps, matrices, gates; finished runs are reused; results for CI')
    .argument('<file>', 'experiment file (.yaml, .yml or .json); schema/experiment.schema.json describes it')
    .option('--out <dir>', 'results folder (default runs/<file name without extension>)')
    .option('--force', 'run again even the runs that already finished')
    .option('--fail-fast', 'stop at the first run that crashes (default: report it and go on)')
    .option('--list', 'print the expanded runs (id, step, settings, finished or not) without running them')
    .option('--shard <i/n>', 'run only shard i of n (every n-th run, plus the earlier runs they need), e.g. 2/4 in a CI matrix')
    .option('--merge <dirs...>', "combine the results folders of shards into --out's summary, running nothing")
    .option('--jobs <n>', 'run up to N runs at once, each in its own process with 1/N of the cores', '1')
    .addOption(new Option('--only <id>').hideHelp())
    .option('--json', 'print one JSON object on stdout (summary and one row per run)')
    .addHelpText(
      'after',
      `
A small file:
${EXAMPLE_FILE}

Option names are the flags of tl pretrain / transfer / evaluate in camelCase. "defaults" go to every
pretrain and transfer step; "matrix" expands a step over every combination; a transfer's base (an
evaluate's model) may name an earlier step. Gates: minAccuracy, minF1, minClassRecall, maxLoss, on
the run's test split. Each run's id hashes its settings and inputs: rerunning after an edit runs only
what changed, and an interrupted run resumes.

Examples:
  $ tl run examples/dropout.yaml
  $ tl run experiments.yaml --list
  $ tl run experiments.yaml --shard 1/2 --out results/shard-1
  $ tl run experiments.yaml --merge results/shard-1 results/shard-2 --out results/all

Exit codes: 0 all ran and every gate passed, 1 a gate failed, 2 the file is invalid (nothing ran);
a crashed run gives its own code (3 data, 4 model, ...) once the other runs finished.`,
    )
    .action(async (file: string, flags: RunFlags, c: Command) => runFile(file, flags, new Output({ json: Boolean(flags.json), verbose: Boolean(c.optsWithGlobals().verbose) })));
}

async function planFile(file: string, flags: RunFlags) {
  const ex = await import('../../experiments');
  const { TL_VERSION } = await import('../../version');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read experiment file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'Give the path of a .yaml or .json experiment file.');
  }
  const plan = ex.expandExperiments(ex.parseExperimentFile(file, text), { fingerprint: ex.fingerprintInput(process.cwd()), version: TL_VERSION });
  if (flags.only !== undefined) {
    const run = plan.find((r) => r.id === flags.only);
    if (!run) throw new UsageError(`--only ${flags.only}: no run of ${file} has that id`, `tl run ${file} --list shows the ids.`);
    return { ex, plan, ...ex.withDependencies(plan, [run]), title: path.basename(file) };
  }
  if (flags.shard === undefined) return { ex, plan, own: plan, needed: [] as PlannedRun[], title: path.basename(file) };
  const shard = ex.parseShard(flags.shard);
  if (!shard) throw new UsageError(`--shard must be i/n with 1 <= i <= n, got "${flags.shard}"`, 'For example --shard 1/2 and --shard 2/2 on two CI runners.');
  const { own, needed } = ex.selectShard(plan, shard.index, shard.count);
  return { ex, plan, own, needed, title: `${path.basename(file)} (shard ${shard.index}/${shard.count})` };
}

async function runFile(file: string, flags: RunFlags, out: Output): Promise<void> {
  const outDir = flags.out ?? path.join('runs', path.basename(file).replace(/\.(ya?ml|json)$/i, ''));
  if (flags.merge && (flags.shard || flags.list)) throw new UsageError('--merge runs nothing: it cannot go with --shard or --list');
  const { wholeNumber } = await import('../flag-values');
  const jobs = wholeNumber('--jobs', flags.jobs, { max: 64 }) ?? 1;
  const { ex, plan, own, needed, title } = await planFile(file, flags);
  if (flags.list) return listRuns(own, needed, outDir, out);
  let rows: ResultRow[];
  if (flags.merge) {
    const merged = ex.mergeRecords(plan, flags.merge.map(ex.readResultsFolder));
    for (const r of merged.unplanned) out.warn(`--merge: run ${r.id} (${r.experiment} ${r.label}) is not in ${file} as it is now; left out`);
    for (const r of merged.missing) out.warn(`--merge: no folder has run ${r.id} (${r.experiment} ${r.label})`);
    rows = ex.rowsFor(merged.records, plan);
  } else {
    const { checkRunValues } = await import('../experiment-steps');
    await checkRunValues(file, [...own, ...needed]);
    const render = (record: RunRecord, position: number, total: number, reused: boolean) => renderFinished(record, position, total, reused, !own.some((r) => r.id === record.id), out);
    const { runHere, runInProcesses } = await import('../run-jobs');
    const batch = { file, outDir, own, needed, force: Boolean(flags.force), failFast: Boolean(flags.failFast), out, render };
    const records = jobs > 1 ? await runInProcesses(batch, jobs) : await runHere(batch);
    // A --jobs child: its run.json is its result; the parent writes the results folder.
    if (flags.only !== undefined) return;
    rows = ex.rowsFor(records, plan);
  }
  await ex.writeResultsFolder(outDir, title, rows, ex.baselinesOf(plan));
  await writeComparePage(ex, outDir, title, rows, out);
  const summary = ex.summarise(rows);
  finish(rows, outDir, out, summary, ex.describeSummary(summary));
}

/** compare.html for the whole results folder: the runs that finished and whose folders are here (a merge may lack some). */
async function writeComparePage(ex: typeof import('../../experiments'), outDir: string, title: string, rows: ResultRow[], out: Output): Promise<void> {
  const dirs = rows.filter((r) => r.status === 'ok' && fs.existsSync(path.join(outDir, r.dir, ex.RUN_RECORD))).map((r) => path.join(outDir, r.dir));
  if (dirs.length === 0) return;
  try {
    await ex.writeComparison(outDir, title, dirs.map(ex.readCompareRun));
  } catch (err) {
    out.warn(`could not write the compare page: ${(err as Error).message}`);
  }
}

function listRuns(own: PlannedRun[], needed: PlannedRun[], outDir: string, out: Output): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { readRecord } = require('../../experiments') as typeof import('../../experiments');
  const status = (r: PlannedRun) => (readRecord(path.join(outDir, r.dir))?.status === 'ok' ? 'finished' : 'to run');
  if (out.json) {
    out.result({ outDir, runs: own.map((r) => ({ id: r.id, experiment: r.experiment, step: r.step, label: r.label, dir: r.dir, status: status(r), options: r.options, refs: r.refs })), needed: needed.map((r) => r.id) });
    return;
  }
  for (const r of own) out.info(`${String(r.index + 1).padStart(3)}  ${r.id}  ${r.step.padEnd(8)} ${r.experiment}${r.label ? ` [${r.label}]` : ''}  ${status(r)}`);
  for (const r of needed) out.info(`     ${r.id}  ${r.step.padEnd(8)} ${r.experiment}${r.label ? ` [${r.label}]` : ''}  ${status(r)} (needed by the runs selected)`);
  out.info(`${own.length} runs${needed.length ? ` (+${needed.length} needed)` : ''}; results folder ${outDir}`);
}

/** One line per run when it ends: i/N, which run, the outcome. */
function renderFinished(r: RunRecord, position: number, total: number, reused: boolean, dependency: boolean, out: Output): void {
  const name = `${r.experiment}${r.label ? ` [${r.label}]` : ''} ${out.c.gray(r.id)}${dependency ? ' (needed by the runs selected)' : ''}`;
  const outcome =
    r.status === 'crashed'
      ? out.c.red(`crashed: ${r.error?.message ?? ''}`)
      : `${reused ? 'already finished' : `ok in ${r.seconds.toFixed(0)} s`}, accuracy ${r.figures ? (r.figures.accuracy * 100).toFixed(1) + '%' : '?'}`;
  process.stderr.write(`[${position}/${total}] ${r.step} ${name}: ${outcome}\n`);
}

function finish(rows: ResultRow[], outDir: string, out: Output, s: ResultsSummary, line: string): void {
  if (out.json) out.result({ outDir, summary: s, runs: rows });
  else {
    out.info(`\n${line}`);
    out.info(`Results: ${path.join(outDir, 'summary.md')} (also results.json, results.csv, junit.xml)`);
  }
  const crashed = rows.find((r) => r.verdict === 'crashed');
  if (crashed) throw new TlError(`${s.crashed} run${s.crashed === 1 ? '' : 's'} crashed; first: ${crashed.experiment} ${crashed.label} (${crashed.error?.message})`, (crashed.error?.exitCode ?? 70) as TlError['exitCode'], crashed.error?.hint);
  const failed = rows.filter((r) => r.verdict === 'fail');
  if (failed.length) throw new ThresholdError(`${failed.length} run${failed.length === 1 ? '' : 's'} did not meet a gate: ${failed.map((r) => `${r.experiment} ${r.label}`.trim()).join(', ')}`, `See ${path.join(outDir, 'summary.md')} or junit.xml.`);
}
