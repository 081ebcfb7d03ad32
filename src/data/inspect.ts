// What `tl inspect` reports about a data set: counts per class and split, image sizes and
// channels, unusable files, duplicates and imbalance. Builds a plain JSON-able object;
// rendering it for people is the CLI's job.
import * as path from 'path';
import type { SplitName } from './types';
import type { DataOptions, Dataset, DuplicateGroup, SkippedFile, SplitConfig } from './dataset-types';
import { DatasetKind, loadDatasetDetailed } from './dataset';
import { ImageFacts } from './probe';

export interface InspectConfig {
  /** warn when the largest class has this many times the images of the smallest */
  imbalanceRatio: number;
}

export function defaultInspectConfig(): InspectConfig {
  return { imbalanceRatio: 3 };
}

export interface SplitCounts {
  train: number;
  val: number;
  test: number;
  total: number;
}

export interface Range {
  min: number;
  median: number;
  max: number;
}

export interface InspectReport {
  spec: string;
  kind: DatasetKind;
  root?: string;
  classes: string[];
  /** per class name, in class order */
  counts: Record<string, SplitCounts>;
  totals: SplitCounts;
  sizes: {
    images: number;
    width: Range;
    height: Range;
    /** e.g. { rgb: 120, grey: 3 } */
    colours: Record<string, number>;
    formats: Record<string, number>;
    /** images stored with 16 bits per sample, and animations (first frame used) */
    sixteenBit: number;
    animated: number;
  };
  skipped: SkippedFile[];
  ignoredCount: number;
  duplicates: DuplicateGroup[];
  splitConfig: SplitConfig;
  droppedByLimit: number;
  imbalance: { largest: { class: string; count: number }; smallest: { class: string; count: number }; ratio: number; warn: boolean };
  /** sentences worth a person's attention, already phrased */
  warnings: string[];
}

export interface InspectOptions extends DataOptions {
  config?: InspectConfig;
}

/** Loads the data set with a full decode check (so truncated files show up) and summarises it. */
export async function inspectData(spec: string, opts: InspectOptions = {}): Promise<InspectReport> {
  const loaded = await loadDatasetDetailed(spec, { check: 'decode', ...opts });
  return summarise(loaded.dataset, loaded.kind, loaded.facts, loaded.droppedCrossSplit, opts.config ?? defaultInspectConfig());
}

/** Pure: the report of an already loaded data set. */
export function summarise(
  ds: Dataset,
  kind: DatasetKind,
  facts: ReadonlyMap<string, ImageFacts>,
  droppedCrossSplit: number,
  cfg: InspectConfig,
): InspectReport {
  const { counts, totals } = splitCounts(ds);
  const sizes = imageSizes(ds, facts);
  const totalsByClass = ds.classes.map((c) => ({ class: c, count: counts[c].total }));
  const largest = totalsByClass.reduce((a, b) => (b.count > a.count ? b : a));
  const smallest = totalsByClass.reduce((a, b) => (b.count < a.count ? b : a));
  const ratio = smallest.count > 0 ? largest.count / smallest.count : Infinity;
  const imbalance = { largest, smallest, ratio, warn: ratio >= cfg.imbalanceRatio };
  return {
    spec: ds.spec,
    kind,
    ...(ds.root ? { root: ds.root } : {}),
    classes: ds.classes.slice(),
    counts,
    totals,
    sizes,
    skipped: ds.skipped,
    ignoredCount: ds.ignoredCount,
    duplicates: ds.duplicates,
    splitConfig: ds.splitConfig,
    droppedByLimit: ds.droppedByLimit ?? 0,
    imbalance,
    warnings: dataWarnings(ds, counts, imbalance, sizes, droppedCrossSplit),
  };
}

/** Images per class and split, and the totals. */
function splitCounts(ds: Dataset): { counts: Record<string, SplitCounts>; totals: SplitCounts } {
  const counts: Record<string, SplitCounts> = {};
  for (const c of ds.classes) counts[c] = { train: 0, val: 0, test: 0, total: 0 };
  const totals: SplitCounts = { train: 0, val: 0, test: 0, total: 0 };
  for (const e of ds.examples) {
    const row = counts[ds.classes[e.label]];
    row[e.split]++;
    row.total++;
    totals[e.split]++;
    totals.total++;
  }
  return { counts, totals };
}

/** Sizes, colour kinds and formats of the images (built-in sets: all the same 28x28 grey). */
function imageSizes(ds: Dataset, facts: ReadonlyMap<string, ImageFacts>): InspectReport['sizes'] {
  const widths: number[] = [];
  const heights: number[] = [];
  const colours: Record<string, number> = {};
  const formats: Record<string, number> = {};
  let sixteenBit = 0;
  let animated = 0;
  if (ds.naturalInput) {
    const n = ds.examples.length;
    widths.push(ds.naturalInput.width);
    heights.push(ds.naturalInput.height);
    colours[ds.naturalInput.channels === 1 ? 'grey' : 'rgb'] = n;
    formats.raw = n;
  } else {
    for (const e of ds.examples) {
      const f = facts.get(e.id);
      if (!f) continue;
      widths.push(f.width);
      heights.push(f.height);
      colours[f.colour] = (colours[f.colour] ?? 0) + 1;
      formats[f.format] = (formats[f.format] ?? 0) + 1;
      if (f.depth !== 'uchar' && f.depth !== 'char') sixteenBit++;
      if (f.pages > 1) animated++;
    }
  }
  return { images: ds.naturalInput ? ds.examples.length : widths.length, width: range(widths), height: range(heights), colours, formats, sixteenBit, animated };
}

/** What a user should know before training on this data, one sentence each. */
function dataWarnings(
  ds: Dataset,
  counts: Record<string, SplitCounts>,
  imbalance: InspectReport['imbalance'],
  sizes: InspectReport['sizes'],
  droppedCrossSplit: number,
): string[] {
  const warnings: string[] = [];
  const { largest, smallest, ratio } = imbalance;
  if (imbalance.warn) {
    warnings.push(
      `classes are imbalanced: "${largest.class}" has ${largest.count} images, "${smallest.class}" ${smallest.count} (${ratio.toFixed(1)}x); ` +
        'accuracy will flatter the large classes: look at per-class recall, or add images to the small ones',
    );
  }
  if (ds.skipped.length) warnings.push(`${ds.skipped.length} file${ds.skipped.length === 1 ? '' : 's'} cannot be used (listed under "skipped")`);
  const crossClass = ds.duplicates.filter((d) => d.crossClass).length;
  if (crossClass) warnings.push(`${crossClass} image${crossClass === 1 ? ' appears' : 's appear'} in more than one class; their labels contradict each other`);
  if (droppedCrossSplit) {
    warnings.push(`${droppedCrossSplit} held-out cop${droppedCrossSplit === 1 ? 'y was' : 'ies were'} dropped because an identical image is in an earlier split`);
  }
  // Binomial noise of the stable split: small classes can end up without held-out images.
  const noHeldOut = (split: 'val' | 'test', fraction: number) => {
    const missing = ds.classes.filter((c) => counts[c][split] === 0);
    if (missing.length && (ds.splitConfig.presplit || fraction > 0)) {
      warnings.push(
        `${missing.length === 1 ? 'class' : 'classes'} ${missing.slice(0, 5).map((c) => `"${c}"`).join(', ')}${missing.length > 5 ? ', ...' : ''} ` +
          `${missing.length === 1 ? 'has' : 'have'} no ${split === 'val' ? 'validation' : 'test'} image; ` +
          (ds.splitConfig.presplit ? `add some to the ${split} split` : `add images or raise --${split}-split`),
      );
    }
  };
  noHeldOut('val', ds.splitConfig.valSplit);
  noHeldOut('test', ds.splitConfig.testSplit);
  if (ds.rescuedClasses?.length) {
    warnings.push(
      `class${ds.rescuedClasses.length === 1 ? '' : 'es'} ${ds.rescuedClasses.map((c) => `"${c}"`).join(', ')} had no training image under the stable split; ` +
        'one image was moved to train (it may move back once the class grows)',
    );
  }
  const { sixteenBit, animated } = sizes;
  if (sixteenBit) warnings.push(`${sixteenBit} image${sixteenBit === 1 ? ' is' : 's are'} 16-bit; they are reduced to 8 bits`);
  if (animated) warnings.push(`${animated} image${animated === 1 ? ' is' : 's are'} animated; only the first frame is used`);
  return warnings;
}

function range(values: number[]): Range {
  if (values.length === 0) return { min: 0, median: 0, max: 0 };
  const s = values.slice().sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

/** For display: a path relative to the data root when it is inside it. */
export function displayId(id: string, root?: string): string {
  if (!root || !path.isAbsolute(id)) return id;
  const rel = path.relative(root, id);
  return rel.startsWith('..') ? id : rel;
}

export type { SplitName };
