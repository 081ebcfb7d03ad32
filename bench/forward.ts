// Benchmark: frozen forward pass of every zoo base to its feature layer (what transfer runs on
// each image), as tl runs it (the inference plan) and as a plain tfjs LayersModel call, in
// images/s at --batch and at the batch tl picks by itself, and against the machine's practical FLOP bound measured in the same run (a
// 2048x2048 matmul). Bases whose weights are not reachable here are listed as skipped.
//   npx ts-node --transpile-only bench/forward.ts [--batch 32] [--rounds 3] [--base NAME] [--json]
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../src/native/load';
import { buildInferencePlan, cutAt, inferenceBatchSize, listZoo, resolveBase } from '../src/models';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const BATCH = Number(flag('--batch', '32'));
const ROUNDS = Number(flag('--rounds', '3'));
const ONLY = flag('--base', '');
const JSON_OUT = args.includes('--json');
const tf = loadTf();

/** Multiply-adds x 2 per image of the convolutions and dense layers (element-wise ops left out). */
function flopsPerImage(model: tfTypes.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as number[];
    const kernel = layer.getWeights()[0];
    if (!kernel) continue;
    if (cls === 'Conv2D') flops += 2 * kernel.size * out[1] * out[2];
    else if (cls === 'DepthwiseConv2D') flops += 2 * kernel.size * out[1] * out[2];
    else if (cls === 'Dense') flops += 2 * kernel.size;
  }
  return flops;
}

/** Best of `rounds` timed calls after one warm-up, in seconds. */
function bestSeconds(run: () => tfTypes.Tensor, rounds: number): number {
  run().dispose();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    const y = run();
    y.dataSync();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    y.dispose();
  }
  return best;
}

function matmulGflops(): number {
  const a = tf.randomNormal([2048, 2048]);
  const b = tf.randomNormal([2048, 2048]);
  const s = bestSeconds(() => tf.matMul(a, b), 3);
  tf.dispose([a, b]);
  return (2 * 2048 ** 3) / s / 1e9;
}

async function main(): Promise<void> {
  const peak = matmulGflops();
  const rows: Record<string, unknown>[] = [];
  const say = (line: string) => (JSON_OUT ? process.stderr : process.stdout).write(line + '\n');
  say(`matmul 2048x2048: ${peak.toFixed(0)} GFLOP/s (the practical peak here); batch ${BATCH}, best of ${ROUNDS}`);
  for (const entry of await listZoo()) {
    const name = (entry as { name: string }).name;
    if (ONLY && name !== ONLY) continue;
    if ((entry as { aliasOf?: string }).aliasOf) continue;
    let loaded;
    try {
      loaded = await resolveBase(name, {});
    } catch (err) {
      rows.push({ base: name, skipped: (err as Error).message.split('\n')[0] });
      say(`${name}: skipped (${(err as Error).message.split('\n')[0].slice(0, 100)})`);
      continue;
    }
    const body = cutAt(loaded.model, loaded.info.featureLayer).body;
    const { height, width, channels } = loaded.info.input;
    const x = tf.randomUniform([BATCH, height, width, channels]);
    const plan = buildInferencePlan(body);
    const planSeconds = bestSeconds(() => plan.run(x), ROUNDS);
    // The batch tl picks by itself (models/inference-batch.ts), timed the same way.
    const auto = inferenceBatchSize(body).batchSize;
    const xAuto = tf.randomUniform([auto, height, width, channels]);
    const autoSeconds = bestSeconds(() => plan.run(xAuto), ROUNDS);
    xAuto.dispose();
    const applySeconds = bestSeconds(() => tf.tidy(() => body.apply(x, { training: false }) as tfTypes.Tensor), ROUNDS);
    plan.dispose();
    x.dispose();
    const flops = flopsPerImage(body);
    const row = {
      base: name,
      cut: loaded.info.featureLayer,
      batch: BATCH,
      tlImagesPerSecond: BATCH / planSeconds,
      autoBatch: auto,
      tlAutoImagesPerSecond: auto / autoSeconds,
      layersModelImagesPerSecond: BATCH / applySeconds,
      gflopsPerImage: flops / 1e9,
      tlGflops: (flops * BATCH) / planSeconds / 1e9,
      peakGflops: peak,
    };
    rows.push(row);
    say(
      `${name} to ${row.cut}: tl ${row.tlImagesPerSecond.toFixed(1)} img/s (auto batch ${auto}: ${row.tlAutoImagesPerSecond.toFixed(1)}), plain LayersModel ${row.layersModelImagesPerSecond.toFixed(1)} img/s ` +
        `(x${(applySeconds / planSeconds).toFixed(2)}); ${row.gflopsPerImage.toFixed(2)} GFLOP/img -> ${row.tlGflops.toFixed(0)} GFLOP/s, ` +
        `${((100 * row.tlGflops) / peak).toFixed(0)}% of the matmul peak`,
    );
    loaded.model.weights.forEach((w) => w.dispose());
  }
  if (JSON_OUT) process.stdout.write(JSON.stringify({ peakGflops: peak, rows }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
