// Types shared between the data room and its consumers (models, train, evaluate, cli).
// Kept free of TensorFlow so pure code and fast tests can import them.

/** How pixel values (0..255) become model input. Comes from model metadata, never from flags. */
export type Preprocessing =
  | { kind: 'scale01' } // x / 255, e.g. nsfwjs MobileNetV2 and tl's own architectures
  | { kind: 'scaleMinus1To1' } // x / 127.5 - 1, e.g. official tfjs MobileNet v1
  | { kind: 'meanStd'; mean: number[]; std: number[] }; // (x/255 - mean[c]) / std[c]

export type SplitName = 'train' | 'val' | 'test';

export type ResizeMode = 'cover' | 'contain' | 'fill';

/** What a model expects as input: [height, width, channels] and how to scale pixels. */
export interface InputSpec {
  height: number;
  width: number;
  channels: 1 | 3;
  preprocessing: Preprocessing;
  resize: ResizeMode;
}

/**
 * One decoded batch. x is NHWC float32, row-major, already preprocessed;
 * y holds class indices into the dataset's `classes`.
 */
export interface Batch {
  x: Float32Array;
  shape: [number, number, number, number];
  y: Int32Array;
  /** Identity of each example (file path or built-in id), for reports and caches. */
  ids: string[];
  /** Content hash (hex) of each example, for activation caches. */
  hashes: string[];
}

/** A Batch of rows of any rank: pixels [N, H, W, C], or a model part's activations [N, ...]. */
export type RowBatch = Omit<Batch, 'shape'> & { shape: readonly number[] };
