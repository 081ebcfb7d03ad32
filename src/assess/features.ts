// What the probes read: the base's pooled activations at several cut layers in one forward pass
// (cached like transfer's), the same for a randomly initialised copy of the base, and raw pixels.
// Rows come back keyed by content hash so the three can be lined up example by example.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { batches, type Example, type InputSpec } from '../data';
import { cutAt, findLayer } from '../models';
import { computeActivations } from '../train';
import type { Matrix } from './linear-probe';

/** Feature rows by content hash, and the width each probed layer contributes (in layer order). */
export interface LayerFeatures {
  rows: Map<string, Float32Array>;
  widths: number[];
}

/** Layer classes whose output is an activation worth probing (after a non-linearity). */
const ACTIVATION_CLASSES = new Set(['ReLU', 'Activation', 'LeakyReLU', 'ELU']);

function outputRank(layer: tfTypes.layers.Layer): number {
  try {
    return (layer.outputShape as (number | null)[]).length;
  } catch {
    return 0; // a layer used more than once has several output shapes: not a probe point
  }
}

function isActivation(layer: tfTypes.layers.Layer): boolean {
  if (ACTIVATION_CLASSES.has(layer.getClassName())) return true;
  const act = (layer.getConfig() as { activation?: string }).activation;
  return /^(Conv2D|DepthwiseConv2D|SeparableConv2D)$/.test(layer.getClassName()) && act !== undefined && act !== 'linear';
}

/**
 * The default cut layers: the base's feature layer, then the spatial activation layers at two
 * thirds and one third of the depth below it. The lower ones cost almost nothing extra: the
 * forward pass to the feature layer computes them anyway.
 */
export function candidateLayers(model: tfTypes.LayersModel, featureLayer: string): string[] {
  const top = findLayer(model, featureLayer).index;
  const below = model.layers.slice(1, top).filter((l) => outputRank(l) === 4 && isActivation(l));
  const picks = [featureLayer];
  for (const f of [2 / 3, 1 / 3]) {
    const l = below[Math.floor(below.length * f)];
    if (l && !picks.includes(l.name)) picks.push(l.name);
  }
  return picks;
}

/** One model: input -> the globally average-pooled outputs of `layers`, side by side. */
export function multiCutModel(model: tfTypes.LayersModel, layers: string[]): { model: tfTypes.LayersModel; widths: number[] } {
  const tf = loadTf();
  const outs = layers.map((l) => cutAt(model, l).body.outputs[0]);
  const widths = outs.map((o) => o.shape[1] as number);
  const output = outs.length === 1 ? outs[0] : (tf.layers.concatenate({ axis: -1, name: 'tl_assess_concat' }).apply(outs) as tfTypes.SymbolicTensor);
  return { model: tf.model({ inputs: model.inputs, outputs: output, name: `${model.name}_assess` }), widths };
}

/** Weight initializers whose draws a seed fixes. */
const SEEDED_INITIALIZERS = new Set([
  'GlorotUniform', 'GlorotNormal', 'HeNormal', 'HeUniform', 'LeCunNormal', 'LeCunUniform',
  'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'VarianceScaling', 'Orthogonal',
]);

/** Sets a fresh seed (seed, seed+1, ...) on every weight initializer of a serialized model, in order. */
export function reseedInitializers(topology: unknown, seed: number): void {
  let next = seed;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o.class_name === 'string' && SEEDED_INITIALIZERS.has(o.class_name) && o.config && typeof o.config === 'object') {
      (o.config as Record<string, unknown>).seed = next++;
      return;
    }
    Object.values(o).forEach(visit);
  };
  visit(topology);
}

/**
 * Same architecture, fresh weights: the model rebuilt from its own configuration with every
 * initializer seeded from `seed` (so the baseline is the same on every run).
 */
export async function randomCopy(model: tfTypes.LayersModel, seed: number): Promise<tfTypes.LayersModel> {
  const tf = loadTf();
  const topology = model.toJSON(null, false);
  reseedInitializers(topology, seed);
  return tf.models.modelFromJSON({ modelTopology: topology } as unknown as Parameters<typeof tf.models.modelFromJSON>[0]);
}

export interface FeatureRun {
  /** activation-cache identity of the model (base identity, or that plus the random seed) */
  identity: string;
  input: InputSpec;
  batchSize: number;
  cache: boolean;
  onProgress?: (done: number, total: number) => void;
  onWarning?: (message: string) => void;
}

/** Pooled features of `examples` at `layers` of `model`, read from or written to the activation cache. */
export async function layerFeatures(model: tfTypes.LayersModel, layers: string[], examples: Example[], run: FeatureRun): Promise<LayerFeatures> {
  const multi = multiCutModel(model, layers);
  const r = await computeActivations(
    multi.model,
    examples,
    (missing) => batches(missing, run.input, { batchSize: run.batchSize }),
    { base: run.identity, cutLayer: `assess:${layers.join('+')}`, input: run.input },
    { useCache: run.cache, onProgress: (e) => run.onProgress?.(e.done, e.total), onWarning: run.onWarning },
  );
  const width = multi.widths.reduce((a, b) => a + b, 0);
  const rows = new Map<string, Float32Array>();
  r.kept.forEach((e, i) => rows.set(e.hash, r.features.subarray(i * width, (i + 1) * width)));
  return { rows, widths: multi.widths };
}

/** Raw pixels of `examples` as `spec` decodes them, by content hash. */
export async function pixelRows(examples: Example[], spec: InputSpec, batchSize: number): Promise<Map<string, Float32Array>> {
  const rows = new Map<string, Float32Array>();
  const per = spec.height * spec.width * spec.channels;
  for await (const b of batches(examples, spec, { batchSize })) {
    b.hashes.forEach((h, i) => rows.set(h, b.x.slice(i * per, (i + 1) * per)));
  }
  return rows;
}

/** The rows of `byHash` for `hashes`, in that order, as one matrix. */
export function matrixOf(byHash: Map<string, Float32Array>, hashes: string[], cols: number): Matrix {
  const x = new Float32Array(hashes.length * cols);
  hashes.forEach((h, i) => x.set(byHash.get(h)!, i * cols));
  return { x, rows: hashes.length, cols };
}
