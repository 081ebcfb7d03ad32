// Types of the models room's public API that carry no TensorFlow: base descriptions and the
// metadata files of a run directory. Pure, so CLI code and fast tests can import them.
import type { InputSpec } from '../data/types';
import type { HistoryRow } from '../train';
import type { TrainedOn } from './zoo';

/** What a base model is and how to feed it. */
export interface BaseInfo {
  name: string;
  /** Zoo name, path or URL it was resolved from. */
  source: string;
  input: InputSpec;
  /** Default layer to cut at for transfer. */
  featureLayer: string;
  description: string;
  license?: string;
  /** What the base was trained on (zoo entries that say so). */
  trainedOn?: TrainedOn;
}

/** How the dataset was split, as recorded in tl.json (the full assignment lives in its own file). */
export interface TlSplitInfo {
  /** The --data spec the run used. */
  spec?: string;
  seed: number;
  valSplit: number;
  testSplit: number;
  limitPerClass?: number;
  presplit?: boolean;
  /** File in the run directory with the per-example split assignment, e.g. "split.json". */
  assignmentFile?: string;
}

/** tl.json: everything needed to reuse or reproduce a run. */
export interface TlJson {
  tlVersion: string;
  kind: 'pretrain' | 'transfer';
  /** The base a transfer run started from (zoo name, path or URL). */
  base?: string;
  /** Where that base was cut. */
  cutLayer?: string;
  /** The layer a later transfer from this run cuts at by default. */
  featureLayer: string;
  /** Input size, channels, preprocessing and resize mode. */
  input: InputSpec;
  split: TlSplitInfo;
  /** The full effective config (defaults merged with flags). */
  config: object;
  /** Seconds spent per stage. */
  timings: object;
  /** The saved files reloaded before publishing: predictions on a sample equal the trained model's. */
  savedModelCheck?: SavedModelCheck;
  /** Teachable Machine's metadata.json: the file written, or why the format cannot express this model. */
  teachableMachine?: { metadataFile: string } | { notWritten: string };
  /** Every top-level name tl wrote in the run directory (written by writeRunDirectory; --overwrite replaces nothing else). */
  files?: string[];
  [k: string]: unknown;
}

/** One epoch in history.csv: the rows the train room's loops produce, written as they are. */
export type { HistoryRow };

/** What the reload check of a freshly saved model compared (see writeRunDirectory). */
export interface SavedModelCheck {
  /** Images predicted by both the trained model in memory and the model read back from disk. */
  images: number;
  /** Largest absolute difference between the two sets of class probabilities. */
  maxAbsDiff: number;
}
