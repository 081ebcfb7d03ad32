// Splits a functional LayersModel at a layer into a frozen lower model and a trainable upper
// model that share the same layer objects (and so the same weights): phase 2 trains the upper
// part on the lower part's cached activations. Which side trains is the caller's choice (pipeline/transfer-phases.ts).
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { ModelError } from '../errors';
import { findLayer } from './surgery';
import { modelGraph, replayNodes, type GraphNode } from './graph';

type SymbolicTensor = tfTypes.SymbolicTensor;

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

/** Which layers lie at or above index k; input layers (absent from a Sequential's `layers`) count as below. */
function upperTest(model: tfTypes.LayersModel, k: number): (layer: tfTypes.layers.Layer) => boolean {
  const index = new Map<tfTypes.layers.Layer, number>();
  model.layers.forEach((l, i) => index.set(l, i));
  return (layer) => (index.get(layer) ?? -1) >= k;
}

/** The tensors made below layer k that layers at or above k (or the model's outputs) read. */
function crossingTensors(model: tfTypes.LayersModel, k: number, graph: GraphNode[]): SymbolicTensor[] {
  const isUpper = upperTest(model, k);
  const crossing = new Map<number, SymbolicTensor>();
  for (const node of graph) {
    if (node.isInput || !isUpper(node.layer)) continue;
    for (const t of node.inputs) if (!isUpper(t.sourceLayer)) crossing.set(t.id, t);
  }
  for (const o of model.outputs) if (!isUpper(o.sourceLayer)) crossing.set(o.id, o);
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
  const graph = modelGraph(model);
  const crossing = crossingTensors(model, k, graph);
  const name = model.layers[k].name;
  if (crossing.length !== 1) {
    const ok: string[] = [];
    for (let d = 1; d < model.layers.length && ok.length < 4; d++) {
      for (const j of [k - d, k + d]) {
        if (j > 0 && j < model.layers.length && crossingTensors(model, j, graph).length === 1) ok.push(model.layers[j].name);
      }
    }
    throw new ModelError(
      `cannot split the model at layer '${name}': ${crossing.length} tensors cross that boundary (a skip connection passes it)`,
      ok.length > 0 ? `Layers where a split works nearby: ${ok.join(', ')}.` : 'Choose a layer at the start of a block.',
    );
  }
  const boundary = crossing[0];
  if (model.outputs.some((o) => o.id === boundary.id)) {
    throw new ModelError(`cannot split at layer '${name}': nothing of the model lies above it`, 'Choose a lower layer.');
  }
  const boundaryShape = boundary.shape.slice(1) as number[];
  const input = tf.input({ shape: boundaryShape, dtype: boundary.dtype });
  // The upper layers are called again on a new input standing in for the boundary tensor.
  const isUpper = upperTest(model, k);
  const mapping = replayNodes(graph.filter((n) => !n.isInput && isUpper(n.layer)), new Map([[boundary.id, input]]));
  const outputs = model.outputs.map((o) => mapping.get(o.id)!);
  const upper = tf.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs });
  const isModelInput = model.inputs.some((i) => i.id === boundary.id);
  const lower = isModelInput ? null : tf.model({ inputs: model.inputs, outputs: boundary });
  return { lower, upper, boundaryLayer: name, boundaryIndex: k, lowerOutputLayer: boundary.sourceLayer.name, boundaryShape };
}

/**
 * The highest layer index <= k where splitAt works (one tensor crosses, something lies above),
 * so "unfreeze the top K layers" can move down to the start of a residual block instead of
 * failing inside one. Undefined when no layer at or below k works.
 */
export function splitPointAtOrBelow(model: tfTypes.LayersModel, k: number): number | undefined {
  const graph = modelGraph(model);
  const outputs = new Set(model.outputs.map((o) => o.id));
  for (let j = Math.min(k, model.layers.length - 1); j > 0; j--) {
    const crossing = crossingTensors(model, j, graph);
    if (crossing.length === 1 && !outputs.has(crossing[0].id)) return j;
  }
  return undefined;
}
