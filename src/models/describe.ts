// A plain-data summary of a LayersModel for `tl models show`: layers with output shapes,
// parameter counts and trainable flags. Reads the model; changes nothing.
import type * as tfTypes from '@tensorflow/tfjs-node';

export interface LayerSummary {
  index: number;
  name: string;
  className: string;
  /** e.g. [null, 7, 7, 1024]; null is the batch dimension. */
  outputShape: (number | null)[] | (number | null)[][];
  params: number;
  trainable: boolean;
}

export interface ModelSummary {
  name: string;
  inputShape: (number | null)[];
  outputShape: (number | null)[];
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
}

function shapeOf(layer: tfTypes.layers.Layer): LayerSummary['outputShape'] {
  try {
    return layer.outputShape as LayerSummary['outputShape'];
  } catch {
    // A layer called in more than one model (after splitting) has several output shapes.
    return layer.inboundNodes.map((n) => n.outputTensors[0].shape);
  }
}

export function describeModel(model: tfTypes.LayersModel): ModelSummary {
  const layers = model.layers.map((l, index) => ({
    index,
    name: l.name,
    className: l.getClassName(),
    outputShape: shapeOf(l),
    params: l.countParams(),
    trainable: l.trainable,
  }));
  const count = (ws: tfTypes.LayerVariable[]) => ws.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  return {
    name: model.name,
    inputShape: model.inputs[0].shape,
    outputShape: model.outputs[0].shape,
    layers,
    totalParams: count(model.weights),
    trainableParams: count(model.trainableWeights),
  };
}

/** Text table of a summary, one layer per line, for people. */
export function formatModelSummary(s: ModelSummary): string {
  const shape = (x: LayerSummary['outputShape']) => JSON.stringify(x).replace(/null/g, 'N').replace(/,/g, ', ');
  const rows = s.layers.map((l) => [String(l.index), l.name, l.className, shape(l.outputShape), l.params.toLocaleString('en-US'), l.trainable ? 'yes' : 'no']);
  const header = ['#', 'layer', 'type', 'output shape', 'params', 'trainable'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [
    line(header),
    ...rows.map(line),
    '',
    `input ${shape(s.inputShape)} -> output ${shape(s.outputShape)}`,
    `parameters: ${s.totalParams.toLocaleString('en-US')} total, ${s.trainableParams.toLocaleString('en-US')} trainable, ${(s.totalParams - s.trainableParams).toLocaleString('en-US')} frozen or statistics`,
  ].join('\n');
}
