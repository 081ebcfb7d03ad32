// Splits a functional LayersModel at a layer into a frozen lower model and a trainable upper
// model that share the same layer objects (and so the same weights): phase 2 trains the upper
// part on the lower part's cached activations. Which side trains is the caller's choice (pipeline/transfer-phases.ts).
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { ModelError } from '../errors';
import { findLayer } from './surgery';

type SymbolicTensor = tfTypes.SymbolicTensor & {
  sourceLayer: tfTypes.layers.Layer;
  inputs: SymbolicTensor[];
  callArgs?: Record<string, unknown>;
  outputTensorIndex?: number;
  id: number;
};

export interface SplitModel {
  /** Input -> the tensor entering layer `boundaryLayer`; null when nothing lies below it. */
  lower: tfTypes.LayersModel | null;
  /** That tensor -> the model's output, built from the same layer objects. */
  upper: tfTypes.LayersModel;
  /** The first layer of `upper` (the layer split at) and its index in the model's layers. */
  boundaryLayer: string;
  boundaryIndex: number;
  /** The layer whose output crosses the boundary (lower's output): name activation caches by it. */
  lowerOutputLayer: string;
  /** Shape of one example at the boundary, e.g. [14, 14, 96]. */
  boundaryShape: number[];
}

/** All symbolic tensors the outputs depend on, each once. */
function graphTensors(model: tfTypes.LayersModel): SymbolicTensor[] {
  const seen = new Map<number, SymbolicTensor>();
  const stack = [...(model.outputs as SymbolicTensor[])];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t.id)) continue;
    seen.set(t.id, t);
    for (const i of t.inputs ?? []) stack.push(i);
  }
  return [...seen.values()];
}

function crossingTensors(model: tfTypes.LayersModel, k: number, tensors: SymbolicTensor[]): SymbolicTensor[] {
  const index = new Map<tfTypes.layers.Layer, number>();
  model.layers.forEach((l, i) => index.set(l, i));
  // Input layers are absent from `layers` in Sequential models: they always count as below.
  const isUpper = (t: SymbolicTensor) => (index.get(t.sourceLayer) ?? -1) >= k;
  const crossing = new Map<number, SymbolicTensor>();
  for (const t of tensors) {
    if (!isUpper(t)) continue;
    for (const i of t.inputs ?? []) if (!isUpper(i)) crossing.set(i.id, i);
  }
  for (const o of model.outputs as SymbolicTensor[]) {
    if (!isUpper(o)) crossing.set(o.id, o);
  }
  return [...crossing.values()];
}

/**
 * Splits `model` so that layers [0, k) form `lower` and layers [k, end) form `upper`, where k
 * is the index of `at` (a name, or a number as findLayer reads it). Exactly one tensor may cross the boundary (true at block edges of
 * ResNet/MobileNet-style graphs); otherwise ModelError names layers where a split works.
 */
export function splitAt(model: tfTypes.LayersModel, at: string | number): SplitModel {
  const tf = loadTf();
  const k = findLayer(model, at, '--unfreeze-from').index;
  const tensors = graphTensors(model);
  const crossing = crossingTensors(model, k, tensors);
  const name = model.layers[k].name;
  if (crossing.length !== 1) {
    const ok: string[] = [];
    for (let d = 1; d < model.layers.length && ok.length < 4; d++) {
      for (const j of [k - d, k + d]) {
        if (j > 0 && j < model.layers.length && crossingTensors(model, j, tensors).length === 1) ok.push(model.layers[j].name);
      }
    }
    throw new ModelError(
      `cannot split the model at layer '${name}': ${crossing.length} tensors cross that boundary (a skip connection passes it)`,
      ok.length > 0 ? `Layers where a split works nearby: ${ok.join(', ')}.` : 'Choose a layer at the start of a block.',
    );
  }
  const boundary = crossing[0];
  if ((model.outputs as SymbolicTensor[]).some((o) => o.id === boundary.id)) {
    throw new ModelError(`cannot split at layer '${name}': nothing of the model lies above it`, 'Choose a lower layer.');
  }
  const boundaryShape = boundary.shape.slice(1) as number[];
  const input = tf.input({ shape: boundaryShape, dtype: boundary.dtype });
  const memo = new Map<number, SymbolicTensor>([[boundary.id, input as SymbolicTensor]]);
  const calls = new Map<string, SymbolicTensor | SymbolicTensor[]>();
  const rebuild = (t: SymbolicTensor): SymbolicTensor => {
    const done = memo.get(t.id);
    if (done) return done;
    const inputs = t.inputs.map(rebuild);
    // A multi-output layer call yields several tensors: apply it once, pick each by index.
    const callKey = `${t.sourceLayer.name}|${inputs.map((i) => i.id).join(',')}`;
    let outs = calls.get(callKey);
    if (!outs) {
      const { mask: _mask, ...kwargs } = (t.callArgs ?? {}) as Record<string, unknown>;
      outs = t.sourceLayer.apply(inputs.length === 1 ? inputs[0] : inputs, kwargs) as SymbolicTensor | SymbolicTensor[];
      calls.set(callKey, outs);
    }
    const out = Array.isArray(outs) ? outs[t.outputTensorIndex ?? 0] : outs;
    memo.set(t.id, out);
    return out;
  };
  const outputs = (model.outputs as SymbolicTensor[]).map(rebuild);
  const upper = tf.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs });
  const isModelInput = (model.inputs as SymbolicTensor[]).some((i) => i.id === boundary.id);
  const lower = isModelInput ? null : tf.model({ inputs: model.inputs, outputs: boundary });
  return { lower, upper, boundaryLayer: name, boundaryIndex: k, lowerOutputLayer: boundary.sourceLayer.name, boundaryShape };
}

/**
 * The highest layer index <= k where splitAt works (one tensor crosses, something lies above),
 * so "unfreeze the top K layers" can move down to the start of a residual block instead of
 * failing inside one. Undefined when no layer at or below k works.
 */
export function splitPointAtOrBelow(model: tfTypes.LayersModel, k: number): number | undefined {
  const tensors = graphTensors(model);
  const outputs = new Set((model.outputs as SymbolicTensor[]).map((o) => o.id));
  for (let j = Math.min(k, model.layers.length - 1); j > 0; j--) {
    const crossing = crossingTensors(model, j, tensors);
    if (crossing.length === 1 && !outputs.has(crossing[0].id)) return j;
  }
  return undefined;
}
