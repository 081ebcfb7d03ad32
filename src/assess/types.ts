// Types of `tl assess`: what it is asked (options) and what it finds (result). Plain data, no
// TensorFlow, so the CLI, the HTML section and fast tests can import them.
import type { InputSpec } from '../data/types';
import type { TrainedOn } from '../models/zoo';

export type Verdict = 'likely' | 'unlikely' | 'uncertain';

export interface AssessOptions {
  /** --base: zoo name, run directory, model.json path or URL */
  base: string;
  /** --data spec (folder, manifest or built-in set) */
  data: string;
  /** cut layers to probe (names or numbers); default: the base's feature layer and two lower ones */
  layers?: string[];
  /** training images per class the probes use at most (a seeded sample); default 100 */
  probeImagesPerClass: number;
  /** folds of the cross-validation (fewer when a class has fewer images); default 5 */
  folds: number;
  /** full-batch optimizer steps per probe fit; default 300 */
  steps: number;
  seed: number;
  valSplit: number;
  testSplit: number;
  limitPerClass?: number;
  /** read and fill the activation cache; default true */
  cache: boolean;
}

/** The first condition: does the data look like what the base was fed? */
export interface InputMatch {
  base: InputSpec;
  /** size and channels of the data's images (median over a sample for folders); undefined when unknown */
  data?: { height: number; width: number; channels: number };
  /** base input side / data side (>1: images are enlarged) */
  upscale?: number;
  /** 'same', 'grey into colour' or 'colour into grey' */
  channels: 'same' | 'grey into colour' | 'colour into grey' | 'unknown';
  /** how the base scales pixels, in words */
  preprocessing: string;
  warnings: string[];
}

/** The second condition: the base's data against yours. */
export interface DataSize {
  classes: number;
  /** training images per class in the data (after --limit-per-class) */
  trainPerClass: { min: number; median: number; max: number };
  /** what the base was trained on, when the zoo or its run directory says */
  base?: TrainedOn & { perClass?: number };
  /** base images per class / data images per class (median), when both are known */
  ratio?: number;
  notes: string[];
}

export interface LayerProbe {
  layer: string;
  /** cross-validated accuracy of a linear probe on the base's pooled features */
  accuracy: number;
  /** the same probe on a randomly initialised copy of the base at this layer */
  randomBase: number;
  /** feature count after global average pooling */
  features: number;
  /** standard deviation of the accuracy over folds */
  sd: number;
  /** standard error of (accuracy - the better baseline's), paired over the same held-out images */
  gainSe: number;
}

export interface AssessResult {
  verdict: Verdict;
  /** one sentence per reason behind the verdict */
  reasons: string[];
  base: { ref: string; name: string; description: string };
  dataSpec: string;
  inputMatch: InputMatch;
  dataSize: DataSize;
  probes: LayerProbe[];
  /** pixels: the probe on raw pixels; randomBase: the random copy at the suggested layer */
  baselines: { pixels: number; randomBase: number };
  suggestedCutLayer: string;
  /** best probe accuracy minus the better baseline, in points of accuracy (0..1) */
  margin: number;
  probe: { images: number; folds: number; steps: number; pixelShape: number[] };
  seconds: number;
}
