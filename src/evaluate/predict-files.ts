// `tl predict` as a library: decode image files exactly as training does (the data room's
// decodeImageBytes + preprocessInto for the model's InputSpec), predict in batches, yield the
// top-k per file. Files that cannot be read or decoded are reported through onSkip and left out.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { decodeImageBytes, defaultDecodeConfig, preprocessInto, probeImageBytes, readImageFile } from '../data';
import type { Batch, InputSpec, SkippedFile } from '../data';
import { PREDICT_DEFAULTS } from '../defaults';
import { inferenceBatchSize } from '../models/inference-batch';
import { checkModelShapes } from './labels';
import { predictBatches, topPredictions, TopPrediction } from './runner';

export interface PredictConfig {
  /** images per forward pass; undefined: from the model's largest activation (models/inference-batch.ts) */
  batchSize?: number;
  topK: number;
  /** files decoded at once; sharp decodes on its own threads */
  concurrency: number;
}

export function defaultPredictConfig(): PredictConfig {
  return { batchSize: undefined, topK: PREDICT_DEFAULTS.topK, concurrency: 4 };
}

export interface FilePrediction {
  file: string;
  /** most probable first */
  top: TopPrediction[];
}

/** Decodes one file to the model's input floats; throws with a readable reason. */
export async function fileToModelInput(file: string, input: InputSpec): Promise<Float32Array> {
  const cfg = defaultDecodeConfig();
  const bytes = await readImageFile(file, cfg.maxBytes);
  // The same header checks training applies (format, size), so SVG and friends are refused here too.
  const probe = await probeImageBytes(bytes, cfg, 'header');
  if (!probe.ok) throw new Error(probe.reason);
  const pixels = await decodeImageBytes(bytes, input, cfg);
  const x = new Float32Array(pixels.length);
  preprocessInto(pixels, input.channels, input.preprocessing, x, 0);
  return x;
}

/** Batches of decoded files; the next batch decodes while the model works on the current one. */
export function fileBatches(files: string[], input: InputSpec, cfg: PredictConfig & { batchSize: number }, onSkip?: (s: SkippedFile) => void): AsyncIterable<Batch> {
  const per = input.height * input.width * input.channels;
  const build = async (slice: string[]): Promise<Batch | undefined> => {
    const decoded: (Float32Array | undefined)[] = new Array(slice.length);
    let next = 0;
    const worker = async () => {
      while (next < slice.length) {
        const i = next++;
        try {
          decoded[i] = await fileToModelInput(slice[i], input);
        } catch (err) {
          onSkip?.({ id: slice[i], reason: (err as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(cfg.concurrency, slice.length)) }, worker));
    const kept = slice.map((f, i) => ({ f, x: decoded[i] })).filter((k): k is { f: string; x: Float32Array } => k.x !== undefined);
    if (kept.length === 0) return undefined;
    const x = new Float32Array(kept.length * per);
    kept.forEach((k, i) => x.set(k.x, i * per));
    return {
      x,
      shape: [kept.length, input.height, input.width, input.channels],
      y: new Int32Array(kept.length),
      ids: kept.map((k) => k.f),
      hashes: kept.map(() => ''),
    };
  };
  return {
    async *[Symbol.asyncIterator]() {
      let start = 0;
      const take = () => {
        const slice = files.slice(start, start + cfg.batchSize);
        start += slice.length;
        return slice.length > 0 ? build(slice) : undefined;
      };
      let pending = take();
      while (pending) {
        const batch = await pending;
        pending = take(); // prefetch: decoding overlaps the model's forward pass
        if (batch) yield batch;
      }
    },
  };
}

/**
 * Predicts `files` in batches, yielding one array of results per batch, in file order. Memory
 * stays bounded by two batches whatever the number of files.
 */
export async function* predictFiles(
  model: tfTypes.LayersModel,
  labels: string[],
  input: InputSpec,
  files: string[],
  opts: Partial<PredictConfig> & { onSkip?: (s: SkippedFile) => void } = {},
): AsyncGenerator<FilePrediction[]> {
  const given: PredictConfig = { ...defaultPredictConfig(), ...opts };
  const cfg = { ...given, batchSize: given.batchSize ?? inferenceBatchSize(model).batchSize };
  if (!(Number.isInteger(cfg.batchSize) && cfg.batchSize > 0)) throw new RangeError(`batchSize must be a positive integer, got ${cfg.batchSize}`);
  checkModelShapes(model.inputs[0].shape, model.outputs[0].shape, input, labels.length, 'predict');
  for await (const pb of predictBatches(model, fileBatches(files, input, cfg, opts.onSkip))) {
    const out: FilePrediction[] = [];
    for (let i = 0; i < pb.batch.shape[0]; i++) {
      const row = pb.probs.subarray(i * pb.numClasses, (i + 1) * pb.numClasses);
      out.push({ file: pb.batch.ids[i], top: topPredictions(row, labels, cfg.topK) });
    }
    yield out;
  }
}
