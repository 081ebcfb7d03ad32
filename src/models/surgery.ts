// Model surgery: cutting a base at a feature layer, stacking a head on a body, and setting
// trainable flags (splitting a body for phase 2 lives in split-at.ts).
// Builds new LayersModels over the same layers (weights are shared, never copied).
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { ModelError, UsageError } from '../errors';
import { modelGraph, nodeOfLayer, replayNodes, uniqueName, type GraphNode } from './graph';
import { listNames, nearestNames } from './nearby';

type LayersModel = tfTypes.LayersModel;
type SymbolicTensor = tfTypes.SymbolicTensor;

/** How many of the last layers an error about a missing layer lists. */
const LAST_LAYERS_SHOWN = 10;

/** Resolves a layer by name or index (negative counts from the end) in model.layers order. */
/**
 * `flag` names the option the layer came from, for the message: a wrong layer is a usage error
 * (exit 2) about that flag.
 */
export function findLayer(model: LayersModel, layer: string | number, flag = '--cut-layer'): { layer: tfTypes.layers.Layer; index: number } {
  const layers = model.layers;
  if (typeof layer === 'number') {
    const index = layer < 0 ? layers.length + layer : layer;
    if (!Number.isInteger(layer) || index < 0 || index >= layers.length) {
      throw new UsageError(`${flag} ${layer}: model '${model.name}' has no layer number ${layer} (it has ${layers.length} layers, 0..${layers.length - 1})`,
        `Run \`tl models show <base>\` to see the layers and their numbers; ${flag} takes a name or a number.`);
    }
    return { layer: layers[index], index };
  }
  // A decimal string is a number (flags arrive as text).
  if (/^-?\d+$/.test(layer)) return findLayer(model, Number(layer), flag);
  const index = layers.findIndex((l) => l.name === layer);
  if (index >= 0) return { layer: layers[index], index };
  const names = layers.map((l) => l.name);
  const near = nearestNames(layer, names);
  throw new UsageError(
    `${flag} ${layer}: model '${model.name}' has no layer '${layer}'` +
      `${near.length ? `; nearest names: ${listNames(near)}` : ''}; its last ${Math.min(LAST_LAYERS_SHOWN, names.length)} layers: ${listNames(names.slice(-LAST_LAYERS_SHOWN))}`,
    `Run \`tl models show <base>\` to list every layer; ${flag} takes a name or a number.`,
  );
}

function singleOutput(node: GraphNode, what: string): SymbolicTensor {
  if (node.outputs.length !== 1) {
    throw new ModelError(`layer '${node.layer.name}' has ${node.outputs.length} outputs; ${what} needs a layer with one output`);
  }
  return node.outputs[0];
}

export interface CutResult {
  /** input -> features [N, F]; shares layers and weights with the base. */
  body: LayersModel;
  cutLayer: string;
  /** True when the cut output was [N, H, W, C] and global average pooling was appended. */
  spatial: boolean;
}

/**
 * Cuts `model` at a layer (name or index): the body maps the model's input to that layer's
 * output, with global average pooling appended when the output is spatial (rank 4), so it
 * always yields [N, features]. Throws ModelError listing nearby layer names.
 */
export function cutAt(model: LayersModel, layer: string | number): CutResult {
  const tf = loadTf();
  const { layer: found } = findLayer(model, layer);
  const graph = modelGraph(model);
  const node = nodeOfLayer(graph, found.name);
  if (!node || node.isInput) {
    throw new ModelError(`cannot cut model '${model.name}' at '${found.name}': it is an input, not a feature layer`);
  }
  const out = singleOutput(node, 'cutting');
  const rank = out.shape.length;
  if (rank === 2) {
    return { body: tf.model({ inputs: model.inputs, outputs: out, name: `${model.name}_body` }), cutLayer: found.name, spatial: false };
  }
  if (rank !== 4) {
    throw new ModelError(`cannot cut at '${found.name}': its output has shape [${out.shape.join(', ')}]; tl cuts at [N, features] or [N, H, W, C] outputs`,
      'Pick a convolutional or dense layer (see `tl models show <base>`).');
  }
  const poolName = uniqueName(`${found.name}_avgpool`, graph.map((n) => n.layer.name));
  // Global average pooling keeps one number per channel: [N, H, W, C] -> [N, C].
  const pooled = tf.layers.globalAveragePooling2d({ name: poolName }).apply(out) as SymbolicTensor;
  return { body: tf.model({ inputs: model.inputs, outputs: pooled, name: `${model.name}_body` }), cutLayer: found.name, spatial: true };
}

/**
 * One flat model computing top(bottom(x)): the layers of `top` are called on `bottom`'s
 * output (no nested model), so the result saves and loads as a plain tfjs LayersModel.
 * Layers and weights are shared with both parts. Layer names must not clash.
 */
export function stackModels(bottom: LayersModel, top: LayersModel, name?: string): LayersModel {
  const tf = loadTf();
  if (bottom.outputs.length !== 1 || top.inputs.length !== 1) {
    throw new ModelError('stacking needs a bottom model with one output and a top model with one input');
  }
  const bottomNames = new Set(bottom.layers.map((l) => l.name));
  const topGraph = modelGraph(top);
  const clash = topGraph.filter((n) => !n.isInput && bottomNames.has(n.layer.name)).map((n) => n.layer.name);
  if (clash.length > 0) throw new ModelError(`cannot stack: layer names used in both parts: ${listNames(clash)}`);
  const outShape = bottom.outputs[0].shape.slice(1).join(',');
  const inShape = top.inputs[0].shape.slice(1).join(',');
  if (outShape !== inShape) {
    throw new ModelError(`cannot stack: the bottom part outputs [${outShape}] but the top part expects [${inShape}]`);
  }
  const mapping = replayNodes(topGraph, new Map([[top.inputs[0].id, bottom.outputs[0]]]));
  return tf.model({ inputs: bottom.inputs, outputs: top.outputs.map((o) => mapping.get(o.id)!), name: name ?? `${bottom.name}_${top.name}` });
}
