// Walking the layer graph of a tfjs LayersModel: which node of each layer belongs to this model,
// in what order, and replaying part of the graph onto new inputs. Shared by surgery, splitting
// and the inference plan.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { ModelError } from '../errors';

type Layer = tfTypes.layers.Layer;
type SymbolicTensor = tfTypes.SymbolicTensor;
/** A call of a layer inside a model: its input and output symbolic tensors. */
export interface GraphNode {
  layer: Layer;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  callArgs: Record<string, unknown>;
  /** True for InputLayer nodes (graph sources). */
  isInput: boolean;
}

interface RawNode {
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
  inboundLayers: Layer[];
  callArgs?: Record<string, unknown>;
}

/**
 * The nodes of `model`'s own graph in topological order (inputs first), found by walking
 * back from model.outputs. Using each tensor's node index (not `layer.output`) keeps this
 * right for layers that are also called in other models (e.g. after splitAt).
 */
export function modelGraph(model: tfTypes.LayersModel): GraphNode[] {
  const order: GraphNode[] = [];
  const seen = new Set<RawNode>();
  const visit = (t: SymbolicTensor, depth: number): void => {
    if (depth > 100_000) throw new ModelError(`model '${model.name}' has a layer graph too deep to walk`);
    const layer = t.sourceLayer as Layer;
    const raw = (layer as unknown as { inboundNodes: RawNode[] }).inboundNodes[t.nodeIndex];
    if (!raw || seen.has(raw)) return;
    seen.add(raw);
    const isInput = raw.inboundLayers.length === 0;
    if (!isInput) for (const x of raw.inputTensors) visit(x, depth + 1);
    order.push({ layer, inputs: isInput ? [] : raw.inputTensors, outputs: raw.outputTensors, callArgs: raw.callArgs ?? {}, isInput });
  };
  // Recursive: the deepest bases here (MobileNetV2, 162 layers) are far from the stack limit.
  for (const out of model.outputs) visit(out, 0);
  return order;
}

/** The node of `layerName` in the model's graph; throws if the layer is called more than once. */
export function nodeOfLayer(graph: GraphNode[], layerName: string): GraphNode | undefined {
  const nodes = graph.filter((n) => n.layer.name === layerName);
  if (nodes.length > 1) {
    throw new ModelError(`layer '${layerName}' is used ${nodes.length} times in this model, so a cut there is ambiguous`);
  }
  return nodes[0];
}

/**
 * Calls the layers of `nodes` (topological order) again on new inputs, given a map from
 * original tensor id to the new tensor standing in for it. Returns that map, extended.
 * The layers are the same objects: weights are shared, not copied.
 */
export function replayNodes(nodes: GraphNode[], mapping: Map<number, SymbolicTensor>): Map<number, SymbolicTensor> {
  for (const n of nodes) {
    if (n.isInput || n.outputs.every((o) => mapping.has(o.id))) continue;
    const ins = n.inputs.map((t) => {
      const m = mapping.get(t.id);
      if (!m) throw new ModelError(`layer '${n.layer.name}' needs a tensor that is not available after the cut`);
      return m;
    });
    // A recorded mask belongs to the old graph's tensors; tl's layers take none.
    const { mask: _mask, ...callArgs } = n.callArgs;
    const result = n.layer.apply(ins.length === 1 ? ins[0] : ins, callArgs) as SymbolicTensor | SymbolicTensor[];
    const outs = Array.isArray(result) ? result : [result];
    n.outputs.forEach((o, i) => mapping.set(o.id, outs[i]));
  }
  return mapping;
}

/** `base` if no name in `taken` has it, else the first free base_1, base_2, ... */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}
