// How many images a frozen part runs at once when nothing else decides: as many as keep the
// largest single activation of a batch within a fixed memory budget, a power of two from 1 to 256.
// Small models get large batches (fewer calls, less per-op overhead); a 224x224 MobileNet gets 32.
import type * as tfTypes from '@tensorflow/tfjs-node';

/**
 * Bytes the largest activation of one batch may take: 160 MiB holds 32 images of MobileNetV2's
 * 112x112x96 expansion (4.8 MB each), the batch its forward pass is benchmarked at (bench/forward.ts
 * compares it with the other sizes), while the output buffers of a batch stay small beside RAM.
 */
export const ACTIVATION_BUDGET_BYTES = 160 * 2 ** 20;
const MAX_INFERENCE_BATCH = 256;

export interface InferenceBatch {
  batchSize: number;
  /** the layer with the largest output per image, and that output's shape and size */
  largestLayer: string;
  largestShape: number[];
  bytesPerImage: number;
}

/** The batch size for running `model` in inference mode (see the file header). */
export function inferenceBatchSize(model: tfTypes.LayersModel, budgetBytes = ACTIVATION_BUDGET_BYTES): InferenceBatch {
  let largest = { layer: model.name, shape: [] as number[], bytes: 4 };
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as Array<Array<number | null>>;
    for (const shape of shapes) {
      const perImage = shape.slice(1).map((d) => d ?? 1);
      const bytes = 4 * perImage.reduce((a, b) => a * b, 1);
      if (bytes > largest.bytes) largest = { layer: layer.name, shape: perImage, bytes };
    }
  }
  const fits = Math.max(1, Math.floor(budgetBytes / largest.bytes));
  const batchSize = Math.min(MAX_INFERENCE_BATCH, 2 ** Math.floor(Math.log2(fits)));
  return { batchSize, largestLayer: largest.layer, largestShape: largest.shape, bytesPerImage: largest.bytes };
}

/** "32 (largest activation block_1_expand_relu 112x112x96, 4.8 MB an image)" */
export function describeInferenceBatch(b: InferenceBatch): string {
  return `${b.batchSize} (largest activation ${b.largestLayer} ${b.largestShape.join('x')}, ${(b.bytesPerImage / 1e6).toFixed(1)} MB an image)`;
}
