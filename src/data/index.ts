// The data room's public API: everything between "a path the user typed" and "batches of
// tensors the trainer consumes". Other rooms import from here only, never from the files behind it.
// Nothing here loads TensorFlow: batches are plain Float32Arrays the trainer wraps in tensors.

export type { Preprocessing, InputSpec, Batch, RowBatch, SplitName, ResizeMode } from './types';
export type {
  DataOptions,
  BuiltinSet,
  ExampleSource,
  Example,
  SkippedFile,
  SplitConfig,
  DuplicateGroup,
  Dataset,
} from './dataset-types';

export { loadDataset, examplesOf, resolveSplitOptions } from './dataset';

export type { AugmentConfig, AugmentParams } from './augment';
export { defaultAugmentConfig, noAugmentConfig, parseAugmentList, sampleAugmentParams, augmentPixels } from './augment';

export type { BatchOptions } from './batches';
export { batches } from './batches';

export type { SplitAssignmentJson, SplitAssignmentExample, FromAssignmentOptions } from './assignment';
export { writeSplitAssignment, datasetFromAssignment, SPLIT_ASSIGNMENT_FORMAT } from './assignment';

export type { DecodeConfig } from './decode-config';
export { defaultDecodeConfig, configureImageLimits, DEFAULT_MAX_IMAGE_BYTES, MAX_IMAGE_BYTES_CEILING } from './decode-config';
export { probeImageBytes } from './probe';
export { DirVisits, listDir, walkReasons } from './walk';
export type { DirEntry } from './walk';
export { readImageFile, parseByteSize, formatBytes, ImageReadRefused } from './read-file';
export type { DecodeTarget } from './decode';
export { decodeImageBytes } from './decode';
export { preprocessInto } from './preprocess';

export type { InspectReport, InspectOptions, InspectConfig, SplitCounts } from './inspect';
export { inspectData, defaultInspectConfig, displayId } from './inspect';

export type { DataSpec } from './spec';
export { parseDataSpec } from './spec';
export { FASHION_MNIST_CLASSES, MNIST_CLASSES, BUILTIN_SET_NAMES } from './class-names';
export { defaultSplitFractions } from './split';
export { IMAGE_EXTENSIONS } from './files';
