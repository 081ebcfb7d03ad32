// Runs a model over streamed batches: predictions for `tl predict`, and the evaluation pass
// for `tl evaluate` (probabilities + metrics + the inputs of the worst mistakes). Takes
// batches and a loaded model as arguments; reading files and run directories is the caller's.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { NonFiniteError } from '../errors';
import { buildInferencePlan } from '../models/inference-plan';
import type { InputSpec, RowBatch } from '../data/types';
import { checkModelShapes, mapLabelsByName } from './labels';
import { argmax, compareMistakes, computeMetrics, Metrics, MetricsConfig, defaultMetricsConfig } from './metrics';

/** One example's model input, kept to draw thumbnails of mistakes. */
export interface ModelInputImage {
  /** preprocessed input, HWC row-major */
  pixels: Float32Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

export interface PredictedBatch<B extends RowBatch = RowBatch> {
  batch: B;
  /** softmax rows, batch.shape[0] x numClasses, row-major */
  probs: Float32Array;
  numClasses: number;
}

/**
 * Predicts each batch in turn. Tensors are disposed per batch, so tf.memory().numTensors
 * is the same after the loop as before it. The model must output [N, classes] probabilities.
 */
export async function* predictBatches<B extends RowBatch>(model: tfTypes.LayersModel, batches: AsyncIterable<B>): AsyncGenerator<PredictedBatch<B>> {
  const tf = loadTf();
  // The model runs as an optimized inference plan (BN folded, fused ops), freed at the end.
  const plan = buildInferencePlan(model);
  try {
    for await (const batch of batches) {
      if (batch.shape[0] === 0) continue;
      const x = tf.tensor(batch.x, [...batch.shape]);
      let out: tfTypes.Tensor | tfTypes.Tensor[] | undefined;
      try {
        out = plan.run(x);
        const y = Array.isArray(out) ? out[0] : out;
        // dataSync + dispose, never tidy returning data: tidy walks a returned TypedArray.
        const probs = y.dataSync() as Float32Array;
        const numClasses = y.shape[1] as number;
        const bad = firstNonFinite(probs);
        if (bad >= 0) {
          // NaN probabilities would print as predictions and count as a (wrong) class in metrics,
          // so a gate could pass on them: refuse instead.
          const row = Math.floor(bad / numClasses);
          const id = batch.ids[row] ?? `row ${row}`;
          throw new NonFiniteError(`the model ${model.name} output ${probs[bad]} for ${id}: its predictions are not numbers`);
        }
        yield { batch, probs, numClasses };
      } finally {
        x.dispose();
        if (out) tf.dispose(out);
      }
    }
  } finally {
    plan.dispose();
  }
}

export interface EvaluateModelOptions {
  model: tfTypes.LayersModel;
  /** the model's class names, in output order */
  modelLabels: string[];
  /** the data set's class names (Batch.y indexes these) */
  datasetClasses: string[];
  /** names the data in errors, e.g. "--data ./imgs" */
  dataName: string;
  input: InputSpec;
  batches: AsyncIterable<RowBatch>;
  /**
   * When the batches are activations, not pixels: the whole model's input shape (checked against
   * `input` instead of `model`'s), and where the pixels of the listed mistakes come from.
   */
  features?: { inputShape: readonly (number | null)[]; pixelsOf: (ids: string[]) => Promise<Map<string, Float32Array>> };
  metrics?: Partial<MetricsConfig>;
  /** after every batch: examples done so far */
  onProgress?: (e: { done: number }) => void;
}

export interface EvaluationRun {
  metrics: Metrics;
  /** the model inputs of metrics.mistakes, same order */
  mistakeInputs: ModelInputImage[];
  seconds: number;
}

/** Predicts every batch, maps labels by name, and computes all metrics. */
export async function evaluateModel(opts: EvaluateModelOptions): Promise<EvaluationRun> {
  const started = Date.now();
  const { model, modelLabels, input } = opts;
  checkModelShapes(opts.features?.inputShape ?? model.inputs[0].shape, model.outputs[0].shape, input, modelLabels.length, 'evaluate');
  const toModel = mapLabelsByName(opts.datasetClasses, modelLabels, opts.dataName);
  const cfg: MetricsConfig = { ...defaultMetricsConfig(), ...opts.metrics };
  const per = input.height * input.width * input.channels;

  const ids: string[] = [];
  const yTrue: number[] = [];
  const probs: Float32Array[] = [];
  // The most confident mistakes so far, with their inputs: the same order computeMetrics uses,
  // so the kept pool is exactly the final list, and only `cfg.mistakes` images stay in memory.
  let pool: { id: string; probability: number; pixels?: Float32Array }[] = [];

  for await (const pb of predictBatches(model, opts.batches)) {
    const { batch, numClasses } = pb;
    const rows = batch.shape[0];
    for (let i = 0; i < rows; i++) {
      const row = pb.probs.subarray(i * numClasses, (i + 1) * numClasses);
      const t = toModel[batch.y[i]];
      ids.push(batch.ids[i]);
      yTrue.push(t);
      probs.push(row);
      const pred = argmax(row);
      if (pred === t || cfg.mistakes <= 0) continue;
      const cand = { id: batch.ids[i], probability: row[pred] };
      const worst = pool[pool.length - 1];
      if (pool.length < cfg.mistakes || compareMistakes(cand, worst) < 0) {
        pool.push({ ...cand, pixels: opts.features ? undefined : batch.x.slice(i * per, (i + 1) * per) });
        pool.sort(compareMistakes);
        pool = pool.slice(0, cfg.mistakes);
      }
    }
    opts.onProgress?.({ done: ids.length });
  }

  const metrics = computeMetrics({ labels: modelLabels, ids, yTrue, probs }, cfg);
  const byId = opts.features
    ? await opts.features.pixelsOf(metrics.mistakes.map((m) => m.id))
    : new Map(pool.map((p) => [p.id, p.pixels ?? new Float32Array(per)]));
  const mistakeInputs = metrics.mistakes.map((m) => ({
    pixels: byId.get(m.id) ?? new Float32Array(per),
    height: input.height,
    width: input.width,
    channels: input.channels,
  }));
  return { metrics, mistakeInputs, seconds: (Date.now() - started) / 1000 };
}

export interface TopPrediction {
  label: string;
  probability: number;
}

/** The k most probable classes of one row, most probable first (ties: lower index first). */
export function topPredictions(row: ArrayLike<number>, labels: readonly string[], k: number): TopPrediction[] {
  const order = Array.from({ length: row.length }, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
  return order.slice(0, Math.max(1, Math.min(k, row.length))).map((i) => ({ label: labels[i] ?? String(i), probability: row[i] }));
}

/** Index of the first NaN or infinite value, or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
