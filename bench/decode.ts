// Decode benchmark: images per second for decode + resize to 224x224x3 (float32, x/255) of
// real-sized JPEGs, through tl's sharp pipeline (batches()) versus tfjs-node's own
// tf.node.decodeImage + tf.image.resizeBilinear, measured in the same run. Prints the ratio.
// Run: npx ts-node --transpile-only bench/decode.ts [--count 1000] [--rounds 2] [--keep]
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { batches, loadDataset, InputSpec, Example } from '../src/data';
import { loadTf } from '../src/native/load';
import { seededRandom } from '../src/random';

interface BenchArgs {
  count: number;
  rounds: number;
  keep: boolean;
  batchSize: number;
}

function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { count: 1000, rounds: 2, keep: false, batchSize: 32 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--count') args.count = Number(argv[++i]);
    else if (a === '--rounds') args.rounds = Number(argv[++i]);
    else if (a === '--batch-size') args.batchSize = Number(argv[++i]);
    else if (a === '--keep') args.keep = true;
    else throw new Error(`unknown argument ${a} (use --count N, --rounds N, --batch-size N, --keep)`);
  }
  if (!(args.count >= 10 && args.rounds >= 1 && args.batchSize >= 1)) throw new Error('--count must be >= 10, --rounds and --batch-size >= 1');
  return args;
}

const INPUT: InputSpec = { height: 224, width: 224, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'fill' };

/**
 * Writes `count` JPEGs of 500-1000 px per side (quality 85, like camera exports scaled down):
 * crops of a few large noisy textures, each tinted differently, so every file is distinct and
 * compresses like a photo rather than like a flat colour.
 */
async function makeJpegs(dir: string, count: number): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sharp = require('sharp') as import('sharp').SharpConstructor;
  const side = 1100;
  const textures: Buffer[] = [];
  for (let t = 0; t < 4; t++) {
    const rand = seededRandom('texture', t);
    const raw = Buffer.alloc(side * side * 3);
    // Smooth gradients plus blocky noise: edges and texture, as in photos.
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const n = (rand() * 90) | 0;
        const o = (y * side + x) * 3;
        raw[o] = (x * 0.2 + y * 0.05 + n + t * 40) & 255;
        raw[o + 1] = (y * 0.2 + n * 0.5 + t * 70) & 255;
        raw[o + 2] = ((x + y) * 0.1 + n * 0.8) & 255;
      }
    }
    textures.push(raw);
  }
  const rand = seededRandom('sizes', count);
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const w = 500 + Math.floor(rand() * 501);
      const h = 500 + Math.floor(rand() * 501);
      const left = Math.floor(rand() * (side - w));
      const top = Math.floor(rand() * (side - h));
      const jpg = await sharp(textures[i % textures.length], { raw: { width: side, height: side, channels: 3 } })
        .extract({ left, top, width: w, height: h })
        .linear([0.7 + rand() * 0.6, 0.7 + rand() * 0.6, 0.7 + rand() * 0.6], [rand() * 30, rand() * 30, rand() * 30])
        .jpeg({ quality: 85 })
        .toBuffer();
      bytes += jpg.length;
      await fsp.writeFile(path.join(dir, i % 2 ? 'a' : 'b', `img${String(i).padStart(5, '0')}.jpg`), jpg);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return bytes;
}

/** tl's pipeline: batches() of float32 NHWC, as the trainer receives them. */
async function runPipeline(examples: Example[], batchSize: number): Promise<number> {
  let n = 0;
  let checksum = 0;
  for await (const b of batches(examples, INPUT, { batchSize })) {
    n += b.shape[0];
    checksum += b.x[0];
  }
  if (!Number.isFinite(checksum)) throw new Error('pipeline produced NaN');
  return n;
}

/** The peer: read the file, tf.node.decodeImage, tf.image.resizeBilinear, /255, stacked per batch. */
async function runTfjs(files: string[], batchSize: number): Promise<number> {
  const tf = loadTf();
  let n = 0;
  for (let start = 0; start < files.length; start += batchSize) {
    const slice = files.slice(start, start + batchSize);
    const images: import('@tensorflow/tfjs-node').Tensor3D[] = [];
    for (const f of slice) {
      const bytes = await fsp.readFile(f);
      images.push(
        tf.tidy(() => {
          const decoded = tf.node.decodeImage(bytes, 3) as import('@tensorflow/tfjs-node').Tensor3D;
          return tf.image.resizeBilinear(decoded, [INPUT.height, INPUT.width]).div(255) as import('@tensorflow/tfjs-node').Tensor3D;
        }),
      );
    }
    const batch = tf.stack(images);
    // Wait for the values like a consumer would (TF executes eagerly, this is cheap).
    await batch.data();
    batch.dispose();
    images.forEach((t) => t.dispose());
    n += slice.length;
  }
  return n;
}

async function timed(fn: () => Promise<number>): Promise<{ n: number; seconds: number; perSecond: number }> {
  const t0 = process.hrtime.bigint();
  const n = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { n, seconds, perSecond: n / seconds };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tf = loadTf();
  if (tf.getBackend() !== 'tensorflow') throw new Error(`expected the native backend, got ${tf.getBackend()}`);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-bench-decode-'));
  try {
    await fsp.mkdir(path.join(dir, 'a'));
    await fsp.mkdir(path.join(dir, 'b'));
    process.stderr.write(`writing ${args.count} JPEGs (500-1000 px) to ${dir} ...\n`);
    const bytes = await makeJpegs(dir, args.count);
    const ds = await loadDataset(dir, { valSplit: 0, testSplit: 0 });
    const examples = ds.examples;
    const files = examples.map((e) => e.id);
    if (examples.length !== args.count) throw new Error(`expected ${args.count} examples, loaded ${examples.length}`);
    console.log(`${args.count} JPEGs, mean ${(bytes / args.count / 1024).toFixed(0)} KiB; decode + resize to 224x224x3 float32 (x/255), batches of ${args.batchSize}`);
    console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}; UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`);

    // Warm both paths (library loading, first-call costs) on a few images.
    await runPipeline(examples.slice(0, 16), args.batchSize);
    await runTfjs(files.slice(0, 16), args.batchSize);

    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < args.rounds; r++) {
      // Alternate the order so drift in machine load hits both sides alike.
      const first = r % 2 === 0 ? 'tl' : 'tfjs';
      for (const which of first === 'tl' ? ['tl', 'tfjs'] : ['tfjs', 'tl']) {
        const res = which === 'tl' ? await timed(() => runPipeline(examples, args.batchSize)) : await timed(() => runTfjs(files, args.batchSize));
        (which === 'tl' ? ours : theirs).push(res.perSecond);
        console.log(`round ${r + 1} ${which === 'tl' ? 'tl batches() (sharp)        ' : 'tfjs decodeImage+resizeBilinear'}: ${res.n} images in ${res.seconds.toFixed(2)} s = ${res.perSecond.toFixed(1)} img/s`);
      }
    }
    const median = (v: number[]) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const ratio = median(ours) / median(theirs);
    console.log(`median: tl ${median(ours).toFixed(1)} img/s, tfjs ${median(theirs).toFixed(1)} img/s`);
    console.log(`ratio tl / tfjs: ${ratio.toFixed(2)}x (target >= 2x) ${ratio >= 2 ? 'OK' : 'BELOW TARGET'}`);
  } finally {
    if (args.keep) process.stderr.write(`kept ${dir}\n`);
    else await fsp.rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
