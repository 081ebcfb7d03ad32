// An execution plan for running a model in inference mode faster than LayersModel.apply: the
// layer graph flattened into steps, with BatchNormalization folded into the convolution before
// it, conv + bias + activation as one tf.fused call, ReLU(max 6) as tf.relu6, and zero padding
// merged into 'same' convolutions where the arithmetic is identical. Every other layer runs
// itself (layer.apply, training false), so any model works. The saved model is never changed:
// this is how frozen parts execute, not what is written.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../native/load';
import { modelGraph, type GraphNode } from './graph';
import { foldBatchNorm, paddingIsSame, type BatchNormParams } from './inference-fuse';

type Tensor = tfTypes.Tensor;
type Tensor4D = tfTypes.Tensor4D;
type Layer = tfTypes.layers.Layer;
type Activation = 'linear' | 'relu' | 'relu6';

interface Step {
  /** what this step computes, for --verbose and tests: "conv+bn+relu6 block_1_expand" */
  label: string;
  inputs: number[];
  output: number;
  run: (inputs: Tensor[]) => Tensor;
}

export interface InferencePlan {
  /** x: the model's input batch (not disposed). Returns the output; the caller disposes it. */
  run(x: Tensor): Tensor;
  /** One line per step, in order. */
  describe(): string[];
  /** Frees the folded weights the plan owns (the model's own weights are untouched). */
  dispose(): void;
}

/** Config fields read here (tfjs layer configs, camelCase). */
interface ConvConfig {
  kernelSize: number[];
  strides: number[];
  padding: 'valid' | 'same' | 'causal';
  dataFormat?: string;
  dilationRate?: number | number[];
  activation?: string;
  useBias?: boolean;
}

export function buildInferencePlan(model: tfTypes.LayersModel): InferencePlan {
  const tf = loadTf();
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return wholeModelPlan(model);
  const graph = modelGraph(model);
  if (graph.some((n) => n.outputs.length !== 1 || (!n.isInput && n.inputs.length === 0))) return wholeModelPlan(model);
  const consumers = consumerCounts(graph, model.outputs[0].id);
  const owned: Tensor[] = [];
  const steps: Step[] = [];
  const absorbed = new Set<GraphNode>();
  const only = (t: tfTypes.SymbolicTensor): GraphNode | undefined => (consumers.get(t.id) === 1 ? graph.find((n) => n.inputs.some((i) => i.id === t.id)) : undefined);

  for (const node of graph) {
    if (node.isInput || absorbed.has(node)) continue;
    const cls = node.layer.getClassName();
    if (cls === 'ZeroPadding2D') {
      const conv = only(node.outputs[0]);
      if (conv && isConv(conv.layer) && mergeablePadding(node, conv)) {
        absorbed.add(conv);
        steps.push(convStep(tf, conv, node.inputs[0].id, 'same', absorbed, only, owned, `pad+`));
        continue;
      }
    } else if (isConv(node.layer) && convConfig(node.layer).padding !== 'causal') {
      steps.push(convStep(tf, node, node.inputs[0].id, convConfig(node.layer).padding as 'valid' | 'same', absorbed, only, owned, ''));
      continue;
    } else if (cls === 'ReLU' && reluMax(node.layer) === 6) {
      steps.push({ label: `relu6 ${node.layer.name}`, inputs: [node.inputs[0].id], output: node.outputs[0].id, run: ([x]) => tf.relu6(x) });
      continue;
    }
    const layer = node.layer;
    steps.push({
      label: `${cls} ${layer.name}`,
      inputs: node.inputs.map((t) => t.id),
      output: node.outputs[0].id,
      run: (ins) => layer.apply(ins.length === 1 ? ins[0] : ins, { ...node.callArgs, training: false }) as Tensor,
    });
  }
  return stepPlan(tf, steps, model.inputs[0].id, model.outputs[0].id, owned);
}

function isConv(layer: Layer): boolean {
  const cls = layer.getClassName();
  return cls === 'Conv2D' || cls === 'DepthwiseConv2D';
}

function convConfig(layer: Layer): ConvConfig {
  return layer.getConfig() as unknown as ConvConfig;
}

function pair(v: number | number[] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]];
}

function reluMax(layer: Layer): number | null {
  const max = (layer.getConfig() as { maxValue?: number | null }).maxValue;
  return max === undefined ? null : max;
}

function mergeablePadding(pad: GraphNode, conv: GraphNode): boolean {
  const cfg = convConfig(conv.layer);
  const padding = (pad.layer.getConfig() as { padding?: number[][]; dataFormat?: string }).padding;
  const shape = pad.inputs[0].shape;
  if (cfg.padding !== 'valid' || !padding || shape[1] == null || shape[2] == null) return false;
  if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') return false;
  return paddingIsSame(padding as [[number, number], [number, number]], [shape[1], shape[2]], pair(cfg.kernelSize, 1), pair(cfg.strides, 1), pair(cfg.dilationRate, 1));
}

/** The activation that can ride along in a fused call, taken from a following layer if it is the only consumer. */
function followingActivation(node: GraphNode, only: (t: tfTypes.SymbolicTensor) => GraphNode | undefined): { act: Activation; node?: GraphNode } {
  const next = only(node.outputs[0]);
  if (!next) return { act: 'linear' };
  const cls = next.layer.getClassName();
  if (cls === 'ReLU') {
    const max = reluMax(next.layer);
    const cfg = next.layer.getConfig() as { threshold?: number; negativeSlope?: number };
    if ((cfg.threshold ?? 0) !== 0 || (cfg.negativeSlope ?? 0) !== 0) return { act: 'linear' };
    if (max === 6) return { act: 'relu6', node: next };
    if (max === null) return { act: 'relu', node: next };
  }
  if (cls === 'Activation') {
    const a = (next.layer.getConfig() as { activation?: string }).activation;
    if (a === 'relu' || a === 'relu6') return { act: a, node: next };
  }
  return { act: 'linear' };
}

/** BatchNormalization parameters of a layer normalising the last axis, or undefined. */
function batchNormParams(layer: Layer): BatchNormParams | undefined {
  if (layer.getClassName() !== 'BatchNormalization') return undefined;
  const cfg = layer.getConfig() as { axis?: number | number[]; epsilon?: number };
  const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
  if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3)) return undefined;
  const byName = (suffix: string) => layer.weights.find((w) => new RegExp(`${suffix}(_\\d+)?$`).test(w.originalName ?? w.name));
  const read = (suffix: string) => {
    const w = byName(suffix);
    return w ? (w.read().dataSync() as Float32Array) : undefined;
  };
  const mean = read('moving_mean');
  const variance = read('moving_variance');
  if (!mean || !variance) return undefined;
  return { mean, variance, gamma: read('gamma') ?? new Float32Array(mean.length).fill(1), beta: read('beta') ?? new Float32Array(mean.length), epsilon: cfg.epsilon ?? 1e-3 };
}

/** One fused step: [padding absorbed] conv [+ folded BN] [+ relu/relu6], through tf.fused. */
function convStep(
  tf: ReturnType<typeof loadTf>,
  conv: GraphNode,
  inputId: number,
  padding: 'valid' | 'same',
  absorbed: Set<GraphNode>,
  only: (t: tfTypes.SymbolicTensor) => GraphNode | undefined,
  owned: Tensor[],
  prefix: string,
): Step {
  const cfg = convConfig(conv.layer);
  const depthwise = conv.layer.getClassName() === 'DepthwiseConv2D';
  const weights = conv.layer.getWeights();
  let kernel = weights[0] as Tensor4D;
  let bias = cfg.useBias === false ? undefined : (weights[1] as Tensor | undefined);
  let last: GraphNode = conv;
  let label = `${prefix}${depthwise ? 'depthwise' : 'conv'}`;
  let act: Activation = cfg.activation === 'relu' || cfg.activation === 'relu6' ? cfg.activation : 'linear';
  const ownActivation = act !== 'linear' || (cfg.activation ?? 'linear') !== 'linear';
  if (!ownActivation) {
    const bnNode = only(conv.outputs[0]);
    const bn = bnNode ? batchNormParams(bnNode.layer) : undefined;
    if (bnNode && bn) {
      const folded = foldBatchNorm(bn, bias ? (bias.dataSync() as Float32Array) : undefined);
      const scaleShape = depthwise ? [1, 1, kernel.shape[2], kernel.shape[3]] : [1, 1, 1, kernel.shape[3]];
      kernel = tf.tidy(() => kernel.mul(tf.tensor(folded.scale, scaleShape))) as Tensor4D;
      bias = tf.tensor1d(folded.bias);
      owned.push(kernel, bias);
      absorbed.add(bnNode);
      last = bnNode;
      label += '+bn';
    }
    const following = followingActivation(last, only);
    if (following.node) {
      absorbed.add(following.node);
      last = following.node;
      act = following.act;
      label += `+${act}`;
    }
  } else if (!['linear', 'relu', 'relu6'].includes(cfg.activation ?? 'linear')) {
    // An activation tf.fused cannot apply: let the layer run itself.
    const layer = conv.layer;
    return { label: `${conv.layer.getClassName()} ${layer.name}`, inputs: [conv.inputs[0].id], output: conv.outputs[0].id, run: ([x]) => layer.apply(x, { training: false }) as Tensor };
  }
  const strides = pair(cfg.strides, 1);
  const dilations = pair(cfg.dilationRate, 1);
  const finalKernel = kernel;
  const finalBias = bias;
  return {
    label: `${label} ${conv.layer.name}`,
    inputs: [inputId],
    output: last.outputs[0].id,
    run: ([x]) =>
      depthwise
        ? tf.fused.depthwiseConv2d({ x: x as Tensor4D, filter: finalKernel, strides, pad: padding, dataFormat: 'NHWC', dilations, bias: finalBias, activation: act })
        : tf.fused.conv2d({ x: x as Tensor4D, filter: finalKernel, strides, pad: padding, dataFormat: 'NHWC', dilations, bias: finalBias, activation: act }),
  };
}

/** How many steps (or the model output) read each tensor. */
function consumerCounts(graph: GraphNode[], outputId: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const n of graph) for (const t of n.inputs) counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
  counts.set(outputId, (counts.get(outputId) ?? 0) + 1);
  return counts;
}

function stepPlan(tf: ReturnType<typeof loadTf>, steps: Step[], inputId: number, outputId: number, owned: Tensor[]): InferencePlan {
  // After which step each tensor is read for the last time: it is freed then, so a batch never
  // holds more than the activations still needed (not every layer's output at once).
  const lastUse = new Map<number, number>();
  steps.forEach((s, i) => s.inputs.forEach((id) => lastUse.set(id, i)));
  return {
    run(x: Tensor): Tensor {
      const values = new Map<number, Tensor>([[inputId, x]]);
      try {
        steps.forEach((step, i) => {
          const ins = step.inputs.map((id) => values.get(id)!);
          values.set(step.output, tf.tidy(() => step.run(ins)));
          for (const id of step.inputs) {
            if (lastUse.get(id) !== i || id === outputId) continue;
            const t = values.get(id)!;
            values.delete(id);
            // Layers such as Dropout in inference return their input: free a tensor only once nothing holds it.
            if (t !== x && ![...values.values()].includes(t)) t.dispose();
          }
        });
        const out = values.get(outputId)!;
        values.delete(outputId);
        return out;
      } finally {
        for (const t of values.values()) if (t !== x) t.dispose();
      }
    },
    describe: () => steps.map((s) => s.label),
    dispose: () => owned.forEach((t) => t.dispose()),
  };
}

/** Models the plan does not handle (several inputs or outputs): the layers' own inference call. */
function wholeModelPlan(model: tfTypes.LayersModel): InferencePlan {
  const tf = loadTf();
  return {
    run: (x) => tf.tidy(() => model.apply(x, { training: false }) as Tensor),
    describe: () => [`whole model ${model.name}`],
    dispose: () => {},
  };
}
