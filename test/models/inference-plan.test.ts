// The inference plan (BN folded into convolutions, fused conv+bias+activation, relu6, padding
// merged into 'same') gives the same outputs as the model's own inference call, within 1e-4
// relative, on every zoo base's architecture and on pretrain's; and it frees what it allocates.
import { loadTf } from '../../src/native/load';
import { buildInferencePlan, cutAt, resolveBase, buildArchitecture } from '../../src/models';
import type * as tfTypes from '@tensorflow/tfjs-node';

const tf = loadTf();

/** max |a - b| / max |a|: one number for "same outputs up to float rounding". */
function relativeDifference(model: tfTypes.LayersModel, x: tfTypes.Tensor): { diff: number; steps: string[] } {
  const plan = buildInferencePlan(model);
  try {
    const reference = tf.tidy(() => model.apply(x, { training: false }) as tfTypes.Tensor);
    const planned = plan.run(x);
    const diff = tf.tidy(() => reference.sub(planned).abs().max().div(reference.abs().max()).dataSync()[0]);
    tf.dispose([reference, planned]);
    return { diff, steps: plan.describe() };
  } finally {
    plan.dispose();
  }
}

/** Random but plausible BatchNormalization statistics, so folding has something to fold. */
function randomizeBatchNorm(model: tfTypes.LayersModel, seed: number): void {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(layer.getWeights().map((w, i) => {
      const n = w.size;
      // gamma, beta, moving mean, moving variance (variance positive)
      const values = Float32Array.from({ length: n }, () => (i === 3 ? 0.2 + rand() : i === 0 ? 0.5 + rand() : rand() - 0.5));
      return tf.tensor(values, w.shape);
    }));
  }
}

/**
 * The layer pattern of the zoo's MobileNet v1 bases (tfjs-models' Keras export): stride-2 steps
 * as ZeroPadding2D ((0,1),(0,1)) + 'valid' convolutions, convolutions without bias, BN,
 * ReLU(max 6), then pooling, dropout and a 1x1 convolution classifier. Width 0.25, at 64x64, with
 * random weights: the download is not reachable here, and the arithmetic does not depend on values.
 */
function mobileNetV1Like(): tfTypes.LayersModel {
  const input = tf.input({ shape: [64, 64, 3] });
  let x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: 'conv1_pad' }).apply(input) as tfTypes.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'conv1' }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'conv1_bn' }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'conv1_relu' }).apply(x) as tfTypes.SymbolicTensor;
  const block = (i: number, filters: number, stride: number) => {
    if (stride === 2) x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `conv_pad_${i}` }).apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 2 ? 'valid' : 'same', useBias: false, name: `conv_dw_${i}` }).apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `conv_dw_${i}_bn` }).apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6, name: `conv_dw_${i}_relu` }).apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name: `conv_pw_${i}` }).apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `conv_pw_${i}_bn` }).apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6, name: `conv_pw_${i}_relu` }).apply(x) as tfTypes.SymbolicTensor;
  };
  block(1, 16, 1);
  block(2, 32, 2);
  block(3, 32, 1);
  block(4, 64, 2);
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [1, 1, 64], name: 'reshape_1' }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.001, name: 'dropout' }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 10, kernelSize: 1, padding: 'same', name: 'conv_preds' }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.activation({ activation: 'softmax', name: 'act_softmax' }).apply(x) as tfTypes.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [10], name: 'reshape_2' }).apply(x) as tfTypes.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x, name: 'mobilenet_v1_like' });
  randomizeBatchNorm(model, 3);
  return model;
}

test('MobileNetV2 (mobilenet-v2-nsfwjs, real weights) to its feature layer: same outputs, BN folded, padding merged', async () => {
  const { model, info } = await resolveBase('mobilenet-v2-nsfwjs', {});
  const body = cutAt(model, info.featureLayer).body;
  const x = tf.randomUniform([4, 224, 224, 3], 0, 1, 'float32', 7);
  const before = tf.memory().numTensors;
  const { diff, steps } = relativeDifference(body, x);
  expect(tf.memory().numTensors).toBe(before);
  expect(diff).toBeLessThan(1e-4);
  expect(steps).toContain('pad+conv+bn+relu6 Conv1');
  expect(steps.some((s) => s.startsWith('pad+depthwise+bn+relu6 '))).toBe(true);
  expect(steps.some((s) => /^conv\+bn block_\d+_project$/.test(s))).toBe(true);
  // 162 layers become far fewer steps: every BatchNormalization and ReLU rode along.
  expect(steps.filter((s) => s.includes('BatchNormalization') || s.startsWith('ReLU '))).toEqual([]);
  x.dispose();
  body.weights.forEach((w) => w.dispose());
});

test('the MobileNet v1 bases of the zoo (their layer pattern, random weights): same outputs', () => {
  const model = mobileNetV1Like();
  const x = tf.randomUniform([3, 64, 64, 3], 0, 1, 'float32', 9);
  const { diff, steps } = relativeDifference(model, x);
  expect(diff).toBeLessThan(1e-4);
  expect(steps).toEqual(expect.arrayContaining(['pad+conv+bn+relu6 conv1', 'pad+depthwise+bn+relu6 conv_dw_2', 'depthwise+bn+relu6 conv_dw_1', 'conv+bn+relu6 conv_pw_4']));
  x.dispose();
});

test.each(['cnn-small', 'mobilenet-v1-style'] as const)('pretrain architecture %s: same outputs', (name) => {
  const input = { height: 32, width: 32, channels: 3 as const, preprocessing: { kind: 'scale01' as const }, resize: 'fill' as const };
  const { model } = buildArchitecture(name, input, 4, { seed: 5 });
  randomizeBatchNorm(model, 11);
  const x = tf.randomUniform([5, 32, 32, 3], 0, 1, 'float32', 13);
  expect(relativeDifference(model, x).diff).toBeLessThan(1e-4);
  x.dispose();
});

test('running a plan many times allocates nothing that stays', () => {
  const model = mobileNetV1Like();
  const plan = buildInferencePlan(model);
  const x = tf.randomUniform([2, 64, 64, 3]);
  plan.run(x).dispose();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) plan.run(x).dispose();
  expect(tf.memory().numTensors).toBe(before);
  plan.dispose();
  x.dispose();
});
