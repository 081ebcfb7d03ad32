// Benchmark: phase-1 epoch time on cached activations (tl's loop) versus a plain model.fit through
// the frozen base, same data, same head, same run. Prints the ratio. Run on purpose:
//   TS_NODE_TRANSPILE_ONLY=1 npx ts-node -P tsconfig.json bench/train-cached.ts [images] [epochs]
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../src/native/load';
import { computeActivations, makeRandom, phaseConfig, trainPhase } from '../src/train';

const N = Number(process.argv[2] ?? 256);
const EPOCHS = Number(process.argv[3] ?? 3);
const SIDE = 64;
const CLASSES = 5;
const BATCH = 32;

function buildBase(tf: ReturnType<typeof loadTf>): tfTypes.LayersModel {
  // A small MobileNet-like stack: about 0.1 GFLOP per 64x64 image.
  const input = tf.input({ shape: [SIDE, SIDE, 3] });
  let x: tfTypes.SymbolicTensor = input;
  for (const [filters, stride] of [[32, 2], [64, 1], [64, 2], [128, 1], [128, 2], [256, 1]] as const) {
    x = tf.layers.conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', useBias: false }).apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.batchNormalization().apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tfTypes.SymbolicTensor;
  }
  const out = tf.layers.globalAveragePooling2d({}).apply(x) as tfTypes.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  for (const l of model.layers) l.trainable = false;
  return model;
}

function buildHead(tf: ReturnType<typeof loadTf>, dim: number): tfTypes.LayersModel {
  const input = tf.input({ shape: [dim] });
  const x = tf.layers.dropout({ rate: 0.2 }).apply(input) as tfTypes.SymbolicTensor;
  const out = tf.layers.dense({ units: CLASSES, activation: 'softmax' }).apply(x) as tfTypes.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function main(): Promise<void> {
  const tf = loadTf();
  const random = makeRandom(1);
  const x = new Float32Array(N * SIDE * SIDE * 3).map(() => random());
  const y = Int32Array.from({ length: N }, (_, i) => i % CLASSES);
  const hashes = Array.from({ length: N }, (_, i) => i.toString(16).padStart(16, '0'));
  const base = buildBase(tf);
  const dim = base.outputs[0].shape[1] as number;

  // tl: features once, then epochs on them.
  const t0 = Date.now();
  const acts = await computeActivations(
    base,
    hashes.map((h) => ({ id: h, hash: h })),
    async function* (missing) {
      const px = SIDE * SIDE * 3;
      for (let s = 0; s < missing.length; s += BATCH) {
        const e = Math.min(missing.length, s + BATCH);
        yield { x: x.subarray(s * px, e * px), shape: [e - s, SIDE, SIDE, 3], y: y.subarray(s, e), ids: hashes.slice(s, e), hashes: hashes.slice(s, e) };
      }
    },
    { base: 'bench', cutLayer: 'gap', input: { height: SIDE, width: SIDE, channels: 3, preprocessing: { kind: 'scale01' }, resize: 'fill' } },
    { useCache: false },
  );
  const activationSeconds = (Date.now() - t0) / 1000;
  const head = buildHead(tf, dim);
  const r = await trainPhase(
    1,
    { chain: { head }, train: { kind: 'memory', x: acts.features, shape: acts.shape, y, stage: 'features' } },
    phaseConfig({ epochs: EPOCHS }),
    { fit: { batchSize: BATCH, seed: 42, labelSmoothing: 0, classWeights: 'none' }, runKey: 'bench' },
  );
  const cachedEpoch = r.history.reduce((a, h) => a + h.seconds, 0) / r.history.length;

  // Peer: the whole model through model.fit (what a plain tfjs script does).
  const head2 = buildHead(tf, dim);
  const full = tf.model({ inputs: base.inputs, outputs: head2.apply(base.outputs[0]) as tfTypes.SymbolicTensor });
  full.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const bnBefore = base.layers.find((l) => l.getClassName() === 'BatchNormalization')!.getWeights()[2].dataSync().slice();
  const xt = tf.tensor(x, [N, SIDE, SIDE, 3]);
  const yt = tf.tensor1d(Float32Array.from(y));
  const fitTimes: number[] = [];
  let last = Date.now();
  await full.fit(xt, yt, {
    epochs: EPOCHS,
    batchSize: BATCH,
    verbose: 0,
    callbacks: { onEpochEnd: async () => void (fitTimes.push((Date.now() - last) / 1000), (last = Date.now())) },
  });
  const fitEpoch = fitTimes.reduce((a, b) => a + b, 0) / fitTimes.length;
  const bnAfter = base.layers.find((l) => l.getClassName() === 'BatchNormalization')!.getWeights()[2].dataSync();
  const bnMoved = bnBefore.some((v, i) => v !== bnAfter[i]);
  tf.dispose([xt, yt]);

  console.log(`images ${N} at ${SIDE}x${SIDE}x3, batch ${BATCH}, epochs ${EPOCHS}, backend ${tf.getBackend()}`);
  console.log(`tl cached:   activations once ${activationSeconds.toFixed(2)} s, then ${(cachedEpoch * 1000).toFixed(1)} ms per epoch`);
  console.log(`model.fit:   ${(fitEpoch * 1000).toFixed(1)} ms per epoch (frozen base; BN moving mean changed by fit: ${bnMoved})`);
  console.log(`ratio (fit epoch / cached epoch): ${(fitEpoch / cachedEpoch).toFixed(1)}x`);
  console.log(`ratio incl. one-time activations over ${EPOCHS} epochs: ${((fitEpoch * EPOCHS) / (activationSeconds + cachedEpoch * EPOCHS)).toFixed(1)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
