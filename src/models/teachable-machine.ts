// Teachable Machine's image-model metadata (metadata.json beside model.json), which
// @teachablemachine/image's tmImage.load(modelURL, metadataURL) reads. Pure: run facts in, file out.
// That library centre-crops the picture to a square, resizes it to imageSize and feeds x/127 - 1
// on 3 channels; a model is expressible only when it expects exactly that.
import type { InputSpec } from '../data/types';

export const TEACHABLE_MACHINE_FILE = 'metadata.json';
/** The image size @teachablemachine/image's MobileNet models use (its IMAGE_SIZE). */
export const TM_IMAGE_SIZE = 224;
/** The metadata format version written; Teachable Machine's own exports carry their tool's version here. */
export const TM_FORMAT_VERSION = '2.4.10';

export interface TeachableMachineMetadata {
  tfjsVersion: string;
  tmVersion: string;
  packageVersion: string;
  packageName: string;
  modelName: string;
  timeStamp: string;
  labels: string[];
  imageSize: number;
}

/** What tl.json records: the file written, or why the format cannot express this model. */
export type TeachableMachineRecord = { metadataFile: string } | { notWritten: string };

/** Why the format cannot express a model with this input, or undefined when it can. */
export function teachableMachineMismatch(input: InputSpec): string | undefined {
  const reasons: string[] = [];
  if (input.height !== TM_IMAGE_SIZE || input.width !== TM_IMAGE_SIZE) reasons.push(`input is ${input.height}x${input.width}, the format is ${TM_IMAGE_SIZE}x${TM_IMAGE_SIZE}`);
  if (input.channels !== 3) reasons.push(`input has ${input.channels} channel(s), the format feeds RGB`);
  if (input.preprocessing.kind !== 'scaleMinus1To1') reasons.push(`pixels are preprocessed as ${input.preprocessing.kind}, the format feeds x/127 - 1`);
  if (input.resize !== 'cover') reasons.push(`images are resized with '${input.resize}', the format centre-crops ('cover')`);
  return reasons.length ? `Teachable Machine's image format cannot express this model: ${reasons.join('; ')}` : undefined;
}

export interface TeachableMachineFacts {
  input: InputSpec;
  labels: string[];
  modelName: string;
  tfjsVersion: string;
  tlVersion: string;
  now: Date;
}

/** metadata.json's content when the model fits the format, else the reason it does not. */
export function teachableMachineMetadata(f: TeachableMachineFacts): { metadata: TeachableMachineMetadata } | { notWritten: string } {
  const mismatch = teachableMachineMismatch(f.input);
  if (mismatch) return { notWritten: mismatch };
  return {
    metadata: {
      tfjsVersion: f.tfjsVersion,
      tmVersion: TM_FORMAT_VERSION,
      packageVersion: f.tlVersion,
      packageName: 'tl-transfer',
      modelName: f.modelName,
      timeStamp: f.now.toISOString(),
      labels: [...f.labels],
      imageSize: TM_IMAGE_SIZE,
    },
  };
}
