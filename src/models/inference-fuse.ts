// The arithmetic behind the inference plan's fusions, as pure functions over plain numbers:
// folding BatchNormalization into the convolution before it, and when explicit zero padding
// followed by a 'valid' convolution is exactly TensorFlow's 'same' padding.

export interface BatchNormParams {
  /** per channel; all ones when the layer has no scale */
  gamma: Float32Array;
  /** per channel; all zeros when the layer has no center */
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/**
 * BN(y) = gamma * (y - mean) / sqrt(variance + eps) + beta = scale * y + shift, per channel.
 * Folded into a convolution: kernel' = kernel * scale (on the output-channel axis) and
 * bias' = (bias - mean) * scale + beta. Computed in float64, rounded once to float32.
 */
export function foldBatchNorm(bn: BatchNormParams, bias: Float32Array | undefined): { scale: Float32Array; bias: Float32Array } {
  const n = bn.mean.length;
  const scale = new Float32Array(n);
  const folded = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const s = bn.gamma[c] / Math.sqrt(bn.variance[c] + bn.epsilon);
    scale[c] = s;
    folded[c] = ((bias ? bias[c] : 0) - bn.mean[c]) * s + bn.beta[c];
  }
  return { scale, bias: folded };
}

/** TensorFlow's 'same' padding of one spatial axis: [before, after] for input n, kernel k, stride s, dilation d. */
export function samePadding(n: number, k: number, s: number, d = 1): [number, number] {
  const effective = (k - 1) * d + 1;
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + effective - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * True when ZeroPadding2D(pad) then a 'valid' convolution equals a 'same' convolution on the
 * unpadded input of size [h, w]: the pads must be exactly what 'same' would add (MobileNet's
 * stride-2 blocks pad ((0,1),(0,1)) on even sizes, which is TensorFlow's 'same').
 */
export function paddingIsSame(pad: [[number, number], [number, number]], size: [number, number], kernel: [number, number], strides: [number, number], dilation: [number, number] = [1, 1]): boolean {
  for (let axis = 0; axis < 2; axis++) {
    const [before, after] = samePadding(size[axis], kernel[axis], strides[axis], dilation[axis]);
    if (pad[axis][0] !== before || pad[axis][1] !== after) return false;
  }
  return true;
}
