// Accuracy benchmark for issue 5's Fashion-MNIST protocol: pretrain a source model on classes
// 0-4, transfer it to classes 5-9 with a few images per class, and train the same architecture
// from scratch on those same images (same split, same seed, same test images). Prints both test
// accuracies and the gain in points; the target is a gain of at least 10 points.
// Run on purpose (hours for the full-size source on a slow machine):
//   npx ts-node --transpile-only bench/transfer-vs-scratch.ts [--source-limit N] [--source-epochs N]
//     [--target-limit 20] [--val-split 0.1] [--test-split 0.1] [--seed 42 | --seeds 42,43,44]
//     [--work DIR] [--source DIR]
// With several seeds the target pair is trained once per seed (the seed picks the few images, the
// split and the initial weights) and the gain is reported per seed and as mean and spread, so one
// lucky or unlucky draw of 20 images cannot decide the verdict. The source is pretrained once,
// with the first seed.
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pretrain, transfer, PipelineEvent } from '../src/pipeline';
import type { ArchitectureName } from '../src/models';

interface BenchArgs {
  /** Training images per class of the source task (undefined: all, about 5,600). */
  sourceLimit?: number;
  sourceEpochs?: number;
  targetLimit: number;
  valSplit: number;
  testSplit: number;
  /** One target run pair per seed; the first also seeds the source pretrain. */
  seeds: number[];
  /** Where the three run directories go (default: a new temporary directory, kept). */
  work?: string;
  /** An existing source run directory: skip pretraining. */
  source?: string;
  minGainPoints: number;
}

function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { targetLimit: 20, valSplit: 0.1, testSplit: 0.1, seeds: [42], minGainPoints: 10 };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${flag} needs a number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--source-limit') args.sourceLimit = num(a, argv[++i]);
    else if (a === '--source-epochs') args.sourceEpochs = num(a, argv[++i]);
    else if (a === '--target-limit') args.targetLimit = num(a, argv[++i]);
    else if (a === '--val-split') args.valSplit = num(a, argv[++i]);
    else if (a === '--test-split') args.testSplit = num(a, argv[++i]);
    else if (a === '--seed') args.seeds = [num(a, argv[++i])];
    else if (a === '--seeds') {
      const list = argv[++i];
      if (list === undefined) throw new Error('--seeds needs a comma-separated list, e.g. 42,43,44');
      args.seeds = list.split(',').map((v) => num('--seeds', v.trim()));
    }
    else if (a === '--min-gain') args.minGainPoints = num(a, argv[++i]);
    else if (a === '--work') args.work = argv[++i];
    else if (a === '--source') args.source = argv[++i];
    else throw new Error(`unknown argument ${a}; see the usage line at the top of bench/transfer-vs-scratch.ts`);
  }
  return args;
}

/** One line per stage and per epoch on stderr, so a run of hours shows it is alive. */
function progress(step: string): (e: PipelineEvent) => void {
  return (e) => {
    if (e.type === 'stage') process.stderr.write(`[${step}] ${e.message}\n`);
    else if (e.type === 'epoch') {
      const r = e.row;
      const val = r.valAccuracy !== undefined ? ` val_acc=${r.valAccuracy.toFixed(4)}` : '';
      process.stderr.write(`[${step}] phase ${r.phase} epoch ${r.epoch}: loss=${r.loss.toFixed(4)} acc=${r.accuracy.toFixed(4)}${val} (${r.seconds.toFixed(0)} s)\n`);
    }
  };
}

const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(100 * x).toFixed(1)}%`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const work = args.work ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-bench-transfer-')));
  await fsp.mkdir(work, { recursive: true });
  const splitFor = (seed: number) => ({ valSplit: args.valSplit, testSplit: args.testSplit, seed });
  const lines: string[] = [];

  // Task A: the source model (or a given one).
  let sourceDir = args.source;
  let arch: ArchitectureName;
  if (sourceDir === undefined) {
    sourceDir = path.join(work, 'source');
    const src = await pretrain(
      { data: 'fashion-mnist:0-4', out: sourceDir, ...splitFor(args.seeds[0]), limitPerClass: args.sourceLimit, epochs: args.sourceEpochs },
      { onEvent: progress('source') },
    );
    arch = src.arch;
    lines.push(
      `source  pretrain fashion-mnist:0-4 ${args.sourceLimit ? `(${args.sourceLimit}/class)` : '(all)'}: test ${pct(src.metrics.testAccuracy)} on ${src.metrics.testCount} images, ${src.history.length} epochs, ${src.seconds.toFixed(0)} s`,
    );
  } else {
    const tl = JSON.parse(await fsp.readFile(path.join(sourceDir, 'tl.json'), 'utf8')) as { arch?: ArchitectureName };
    if (!tl.arch) throw new Error(`${sourceDir}/tl.json has no 'arch': not a tl pretrain run`);
    arch = tl.arch;
    const m = JSON.parse(await fsp.readFile(path.join(sourceDir, 'metrics.json'), 'utf8')) as { testAccuracy?: number; testCount?: number };
    lines.push(`source  ${sourceDir} (given): test ${pct(m.testAccuracy)} on ${m.testCount ?? '?'} images`);
  }

  // Task B, two ways, on the same few images and the same test split, once per seed.
  const gains: number[] = [];
  for (const seed of args.seeds) {
    const target = { data: 'fashion-mnist:5-9', ...splitFor(seed), limitPerClass: args.targetLimit };
    const runDir = (name: string) => path.join(work, args.seeds.length > 1 ? `${name}-seed${seed}` : name);
    const transferred = await transfer({ base: sourceDir, out: runDir('from-source'), ...target }, { onEvent: progress(`transfer seed ${seed}`) });
    const scratch = await pretrain({ out: runDir('from-scratch'), arch, ...target }, { onEvent: progress(`scratch seed ${seed}`) });
    if (transferred.metrics.testCount !== scratch.metrics.testCount) {
      throw new Error(`the two target runs saw different test splits (${transferred.metrics.testCount} vs ${scratch.metrics.testCount} images)`);
    }
    const gain = 100 * ((transferred.metrics.testAccuracy ?? NaN) - (scratch.metrics.testAccuracy ?? NaN));
    gains.push(gain);
    lines.push(
      `seed ${seed}: transfer fashion-mnist:5-9, ${args.targetLimit}/class: test ${pct(transferred.metrics.testAccuracy)} on ${transferred.metrics.testCount} images, ${transferred.history.length} epochs, ${transferred.seconds.toFixed(0)} s`,
      `seed ${seed}: scratch  ${arch}, same images: test ${pct(scratch.metrics.testAccuracy)} on ${scratch.metrics.testCount} images, ${scratch.history.length} epochs, ${scratch.seconds.toFixed(0)} s`,
      `seed ${seed}: gain ${gain.toFixed(1)} points`,
    );
    process.stderr.write(`${lines.slice(-3).join('\n')}\n`);
  }
  const mean = gains.reduce((a, b) => a + b, 0) / gains.length;
  // Sample standard deviation (n - 1); undefined for a single seed.
  const sd = gains.length > 1 ? Math.sqrt(gains.reduce((a, g) => a + (g - mean) ** 2, 0) / (gains.length - 1)) : undefined;
  const spread = sd === undefined ? '' : ` (sd ${sd.toFixed(1)}, min ${Math.min(...gains).toFixed(1)}, max ${Math.max(...gains).toFixed(1)}, ${gains.length} seeds)`;
  lines.push(`gain: ${mean.toFixed(1)} points${spread} (target >= ${args.minGainPoints}) ${mean >= args.minGainPoints ? 'OK' : 'BELOW TARGET'}`);
  lines.push(`run directories in ${work}`);
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
