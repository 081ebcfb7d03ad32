// The networks `tl pretrain` trains from scratch: a compact CNN for small grey images and a
// MobileNet-v1-style network with a width multiplier. Builds untrained models; no training here.
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { InputSpec } from '../data/types';
import { loadTf } from '../native/load';
import { ModelError, UsageError } from '../errors';

export type ArchitectureName = 'cnn-small' | 'mobilenet-v1-style';
export const ARCHITECTURES: readonly ArchitectureName[] = ['cnn-small', 'mobilenet-v1-style'];

export interface ArchitectureOptions {
  /** Width multiplier of mobilenet-v1-style (channels scale with it); default 0.25. */
  alpha?: number;
  seed?: number;
}

/** The pooled feature layer both architectures end their body with; transfer cuts here. */
export const FEATURE_LAYER = 'features';

type ST = tfTypes.SymbolicTensor;

/**
 * An untrained classifier for `input` with `numClasses` softmax outputs, and the name of
 * its natural feature layer (global average pooling before the classifier).
 */
export function buildArchitecture(
  name: ArchitectureName,
  input: InputSpec,
  numClasses: number,
  opts: ArchitectureOptions = {},
): { model: tfTypes.LayersModel; featureLayer: string } {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new ModelError(`a classifier needs at least 2 classes, got ${numClasses}`);
  if (!(input.height >= 8 && input.width >= 8)) throw new ModelError(`input ${input.height}x${input.width} is too small (at least 8x8)`);
  const seed = opts.seed ?? 42;
  switch (name) {
    case 'cnn-small':
      return { model: cnnSmall(input, numClasses, seed), featureLayer: FEATURE_LAYER };
    case 'mobilenet-v1-style': {
      const alpha = opts.alpha ?? 0.25;
      if (!(alpha > 0 && alpha <= 2)) throw new UsageError(`--alpha must be in (0, 2], got ${alpha}`);
      return { model: mobilenetV1Style(input, numClasses, alpha, seed), featureLayer: FEATURE_LAYER };
    }
    default:
      throw new UsageError(`unknown architecture '${name as string}'`, `Choose one of: ${ARCHITECTURES.join(', ')}.`);
  }
}

/**
 * Momentum of the moving mean/variance of every BatchNormalization layer trained from scratch.
 * Keras's 0.99 leaves 0.99^64 = 53% of the initial statistics after 64 steps, which is a whole
 * 4-epoch run on 1,000 images: such a cnn-small scored 44% on validation with its moving
 * statistics and 72% with statistics measured on its training set. 0.9 (PyTorch's default)
 * keeps 0.1% after 64 steps and under 10% after 24, the few-shot baseline's usual length.
 */
const BN_MOMENTUM = 0.9;

/** Hands out a distinct seed per layer, so same-shaped layers do not start identical. */
function seeder(seed: number): () => number {
  let next = seed;
  return () => next++;
}

/**
 * Compact CNN for small images (28x28 grey: about 160k parameters, about 22M multiply-adds
 * per image). Two conv blocks with batch norm, then a 128-channel conv pooled to 'features'.
 */
function cnnSmall(input: InputSpec, numClasses: number, seed: number): tfTypes.LayersModel {
  const tf = loadTf();
  const nextSeed = seeder(seed);
  const conv = (x: ST, filters: number, name: string, activation: 'relu' | 'linear'): ST =>
    tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        activation,
        useBias: activation === 'relu', // a bias before batch norm is cancelled by it
        kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }),
        name,
      })
      .apply(x) as ST;
  const bnRelu = (x: ST, name: string): ST =>
    tf.layers.activation({ activation: 'relu', name: `${name}_relu` }).apply(tf.layers.batchNormalization({ momentum: BN_MOMENTUM, name: `${name}_bn` }).apply(x)) as ST;

  const inp = tf.input({ shape: [input.height, input.width, input.channels], name: 'image' });
  let x = bnRelu(conv(inp, 32, 'conv1', 'linear'), 'conv1');
  x = conv(x, 32, 'conv2', 'relu');
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as ST; // 28 -> 14
  x = bnRelu(conv(x, 64, 'conv3', 'linear'), 'conv3');
  x = conv(x, 64, 'conv4', 'relu');
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(x) as ST; // 14 -> 7
  x = conv(x, 128, 'conv5', 'relu');
  x = tf.layers.globalAveragePooling2d({ name: FEATURE_LAYER }).apply(x) as ST; // [N, 128]
  x = tf.layers.dropout({ rate: 0.3, seed: nextSeed(), name: 'dropout' }).apply(x) as ST;
  const out = tf.layers
    .dense({ units: numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: 'predictions' })
    .apply(x) as ST;
  return tf.model({ inputs: inp, outputs: out, name: 'cnn_small' });
}

/**
 * (output channels at alpha 1, stride) of the 13 depthwise-separable blocks of MobileNet v1.
 * Layer names follow Keras's MobileNet (conv_dw_1, conv_pw_1, ...).
 */
const MOBILENET_V1_BLOCKS: readonly [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

/** MobileNet v1 layout with width multiplier `alpha`, ReLU6 activations, for colour or grey input. */
function mobilenetV1Style(input: InputSpec, numClasses: number, alpha: number, seed: number): tfTypes.LayersModel {
  const tf = loadTf();
  const nextSeed = seeder(seed);
  const width = (c: number) => Math.max(8, Math.round(c * alpha));
  const bnRelu6 = (x: ST, name: string): ST => {
    const bn = tf.layers.batchNormalization({ momentum: BN_MOMENTUM, name: `${name}_bn` }).apply(x) as ST;
    return tf.layers.reLU({ maxValue: 6, name: `${name}_relu` }).apply(bn) as ST;
  };
  const inp = tf.input({ shape: [input.height, input.width, input.channels], name: 'image' });
  let x = tf.layers
    .conv2d({ filters: width(32), kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }), name: 'conv1' })
    .apply(inp) as ST;
  x = bnRelu6(x, 'conv1');
  MOBILENET_V1_BLOCKS.forEach(([channels, strides], i) => {
    const id = i + 1;
    x = tf.layers
      .depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: false, depthwiseInitializer: tf.initializers.heNormal({ seed: nextSeed() }), name: `conv_dw_${id}` })
      .apply(x) as ST;
    x = bnRelu6(x, `conv_dw_${id}`);
    x = tf.layers
      .conv2d({ filters: width(channels), kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }), name: `conv_pw_${id}` })
      .apply(x) as ST;
    x = bnRelu6(x, `conv_pw_${id}`);
  });
  x = tf.layers.globalAveragePooling2d({ name: FEATURE_LAYER }).apply(x) as ST;
  x = tf.layers.dropout({ rate: 0.2, seed: nextSeed(), name: 'dropout' }).apply(x) as ST;
  const out = tf.layers
    .dense({ units: numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: 'predictions' })
    .apply(x) as ST;
  return tf.model({ inputs: inp, outputs: out, name: `mobilenet_v1_style_${alpha}` });
}
