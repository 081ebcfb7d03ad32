// The data room's public data types: what a loaded data set is made of. Plain data, no
// TensorFlow and no sharp, so any room (and any fast test) can import them.
import type { SplitName } from './types';

/** Options every command that loads data shares (flags --val-split, --test-split, --seed, --limit-per-class). */
export interface DataOptions {
  /** fraction of each class for validation; default 0.1 */
  valSplit?: number;
  /** fraction of each class for the test split; default 0.1 */
  testSplit?: number;
  /** seed of the split and of --limit-per-class; default 42 */
  seed?: number;
  /** keep at most this many training images per class (val/test untouched) */
  limitPerClass?: number;
  /**
   * How hard to look at each file while loading: 'header' (default) reads sizes and formats
   * only; 'decode' decodes every file once, which also finds truncated files (slower).
   */
  check?: 'header' | 'decode';
  /** files read at once while hashing and checking; default 8 */
  concurrency?: number;
  /** progress of the file check; `total` is the number of image files found */
  onProgress?: (e: { stage: 'check'; done: number; total: number }) => void;
}

export type BuiltinSet = 'fashion-mnist' | 'mnist';

export type ExampleSource =
  | { kind: 'file'; path: string }
  | { kind: 'builtin'; set: BuiltinSet; /** original class index in the set */ classIndex: number; /** position among the class's images in its file (empty rows not counted) */ index: number };

export interface Example {
  /** absolute file path, or e.g. "fashion-mnist/3/1234" for a built-in image */
  id: string;
  source: ExampleSource;
  /** index into Dataset.classes */
  label: number;
  /** hex content hash (first 128 bits of SHA-256 of the file bytes, or of the 784 pixels) */
  hash: string;
  split: SplitName;
}

export interface SkippedFile {
  id: string;
  reason: string;
}

export interface SplitConfig {
  valSplit: number;
  testSplit: number;
  seed: number;
  limitPerClass?: number;
  /** true when the split came from the data (pre-split folders or a manifest's split column) */
  presplit: boolean;
}

export interface DuplicateGroup {
  hash: string;
  /** every file (or built-in row) with this content, sorted; the examples kept are listed in `kept` */
  ids: string[];
  /** class name of each id (aligned with ids) */
  labels: string[];
  /** ids kept as examples: one per class (a copy in another class is kept, and flagged by crossClass) */
  kept: string[];
  /** the copies carry different labels */
  crossClass: boolean;
}

export interface Dataset {
  /** what the user typed (or the spec recorded in a split assignment) */
  spec: string;
  /** class names; Example.label indexes this */
  classes: string[];
  /** sorted by label, then id */
  examples: Example[];
  /** files found but not usable, with the reason */
  skipped: SkippedFile[];
  /** hidden files, non-image files and files outside class folders */
  ignoredCount: number;
  duplicates: DuplicateGroup[];
  splitConfig: SplitConfig;
  /** set for built-in sets (28x28x1) */
  naturalInput?: { height: number; width: number; channels: 1 | 3 };
  /** training images left out by --limit-per-class */
  droppedByLimit?: number;
  /** classes whose only training image was moved there by the tiny-class rescue (see split.ts) */
  rescuedClasses?: string[];
  /** folder (or manifest folder) that relative ids were resolved against; absent for built-in sets */
  root?: string;
}
