// Writes what the Keras twin of the README's main job needs, so both sides start from the same
// things: the same train/val/test images tl splits from fashion-mnist:5-9 (20 a class, seed 42;
// 28x28 grey scaled to 0..1) and the weights of the mobilenet-v2-nsfwjs base by layer name.
//   npx ts-node --transpile-only bench/keras/export-main-job.ts OUT_DIR
import * as fs from 'fs';
import * as path from 'path';
import { loadTf } from '../../src/native/load';
import { batches, examplesOf, loadDataset, type SplitName } from '../../src/data';
import { resolveBase } from '../../src/models';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: export-main-job.ts OUT_DIR');
  fs.mkdirSync(out, { recursive: true });
  loadTf();
  const ds = await loadDataset('fashion-mnist:5-9', { limitPerClass: 20, valSplit: 0.01, testSplit: 0.02, seed: 42 });
  const input = { height: 28, width: 28, channels: 1 as const, preprocessing: { kind: 'scale01' as const }, resize: 'fill' as const };
  const index: Record<string, { count: number; offset: number }> = {};
  const chunks: Buffer[] = [];
  const labels: number[] = [];
  let offset = 0;
  for (const split of ['train', 'val', 'test'] as SplitName[]) {
    let count = 0;
    for await (const b of batches(examplesOf(ds, split), input, { batchSize: 256 })) {
      chunks.push(Buffer.from(b.x.buffer, b.x.byteOffset, b.x.byteLength));
      labels.push(...b.y);
      count += b.y.length;
    }
    index[split] = { count, offset };
    offset += count;
  }
  fs.writeFileSync(path.join(out, 'images.f32'), Buffer.concat(chunks));
  fs.writeFileSync(path.join(out, 'data.json'), JSON.stringify({ classes: ds.classes, splits: index, labels, shape: [28, 28, 1] }));

  const { model } = await resolveBase('mobilenet-v2-nsfwjs', {});
  const weights: { layer: string; shapes: number[][] }[] = [];
  const parts: Buffer[] = [];
  for (const layer of model.layers) {
    const values = layer.getWeights();
    if (values.length === 0) continue;
    weights.push({ layer: layer.name, shapes: values.map((v) => v.shape) });
    for (const v of values) {
      const d = v.dataSync() as Float32Array;
      parts.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
    }
  }
  fs.writeFileSync(path.join(out, 'weights.f32'), Buffer.concat(parts));
  fs.writeFileSync(path.join(out, 'weights.json'), JSON.stringify(weights));
  console.log(`exported ${offset} images (${JSON.stringify(index)}) and ${weights.length} layers' weights to ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
