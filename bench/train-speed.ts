// Benchmark: training cnn-small from scratch (what `tl pretrain` runs on 28x28 grey images),
// images per second through tl's training loop, batch 64, adam. Random pixels: speed does not
// depend on values. Its Keras twin is bench/keras/train_speed.py; bench/keras/run.sh runs both.
//   npx ts-node --transpile-only bench/train-speed.ts [images=4096] [epochs=3] [--json]
import { loadTf } from '../src/native/load';
import { buildArchitecture } from '../src/models';
import { phaseConfig, trainPhase } from '../src/train';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const N = Number(positional[0] ?? 4096);
const EPOCHS = Number(positional[1] ?? 3);
const BATCH = 64;

async function main(): Promise<void> {
  const tf = loadTf();
  const input = { height: 28, width: 28, channels: 1 as const, preprocessing: { kind: 'scale01' as const }, resize: 'fill' as const };
  const { model } = buildArchitecture('cnn-small', input, 5, { seed: 1 });
  let s = 7;
  const x = Float32Array.from({ length: N * 28 * 28 }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31));
  const y = Int32Array.from({ length: N }, (_, i) => i % 5);
  const before = tf.memory().numTensors;
  const r = await trainPhase(
    1,
    { chain: { head: model }, train: { kind: 'memory', x, shape: [N, 28, 28, 1], y, stage: 'input' } },
    phaseConfig({ epochs: EPOCHS, patience: 1000 }),
    { fit: { batchSize: BATCH, seed: 42, labelSmoothing: 0, classWeights: 'none' }, runKey: 'bench' },
  );
  // The first epoch pays for kernel selection and allocation; the best later one is the speed.
  const later = r.history.slice(1).map((h) => N / h.seconds);
  const imagesPerSecond = Math.max(...later);
  const leaked = tf.memory().numTensors - before;
  const line = { imagesPerSecond, epochs: EPOCHS, images: N, batch: BATCH, tensorsAfterTraining: leaked };
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(line) + '\n');
  else console.log(`cnn-small training, ${N} images 28x28x1, batch ${BATCH}: ${imagesPerSecond.toFixed(0)} img/s (best epoch after the first); epochs ${r.history.map((h) => h.seconds.toFixed(2)).join(', ')} s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
