// loadDataset: from what the user typed after --data to a labelled, de-duplicated, split list of
// examples (no pixels). Scanning is files.ts, reading/checking probe.ts, the split rule split.ts;
// this file ties them together and refuses unusable data before any training starts.
import { DataError, UsageError } from '../errors';
import type { SplitName } from './types';
import type { DataOptions, Dataset, DuplicateGroup, Example, SplitConfig } from './dataset-types';
import { parseDataSpec } from './spec';
import { BUILTIN_SIDE } from './builtin';
import type { ImageFacts } from './probe';
import { assignStableSplits, defaultSplitFractions, SPLIT_ORDER, trainingItemsBeyondLimit } from './split';

import { DATA_HINT, gatherBuiltin, gatherPath, type Candidate, type DatasetKind, type Gathered } from './gather';

export type { DatasetKind } from './gather';

/** A data set plus what was learned about its files on the way (for `tl inspect`). */
export interface LoadedDataset {
  dataset: Dataset;
  kind: DatasetKind;
  /** per example id (files only): size, channels, format */
  facts: Map<string, ImageFacts>;
  /** copies dropped from val/test of pre-split data because an identical image is in an earlier split */
  droppedCrossSplit: number;
}

export function examplesOf(ds: Dataset, split: SplitName): Example[] {
  return ds.examples.filter((e) => e.split === split);
}

export async function loadDataset(spec: string, opts: DataOptions = {}): Promise<Dataset> {
  return (await loadDatasetDetailed(spec, opts)).dataset;
}

/** Validates and fills in split options; messages name the CLI flags, which map one to one. */
export function resolveSplitOptions(opts: DataOptions): Omit<SplitConfig, 'presplit'> {
  const d = defaultSplitFractions();
  const valSplit = opts.valSplit ?? d.valSplit;
  const testSplit = opts.testSplit ?? d.testSplit;
  const seed = opts.seed ?? d.seed;
  const fraction = (flag: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0 && v < 1)) throw new UsageError(`${flag} must be a fraction from 0 to below 1, got ${v}`, `For example ${flag} 0.1 keeps 10% of each class aside.`);
  };
  fraction('--val-split', valSplit);
  fraction('--test-split', testSplit);
  if (valSplit + testSplit >= 1) {
    throw new UsageError(`--val-split ${valSplit} and --test-split ${testSplit} leave nothing for training`, 'Keep their sum below 1, e.g. 0.1 and 0.1.');
  }
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}`);
  if (opts.limitPerClass !== undefined && !(Number.isInteger(opts.limitPerClass) && opts.limitPerClass >= 1)) {
    throw new UsageError(`--limit-per-class must be a whole number of at least 1, got ${opts.limitPerClass}`);
  }
  return { valSplit, testSplit, seed, ...(opts.limitPerClass !== undefined ? { limitPerClass: opts.limitPerClass } : {}) };
}

export async function loadDatasetDetailed(spec: string, opts: DataOptions = {}): Promise<LoadedDataset> {
  const splitOpts = resolveSplitOptions(opts);
  const parsed = parseDataSpec(spec);
  const g = parsed.kind === 'builtin' ? await gatherBuiltin(parsed.set, parsed.classIndices, spec) : await gatherPath(parsed.path, spec, opts);
  const presplit = g.kind === 'presplit-folder' || (g.kind === 'manifest' && g.candidates.some((c) => c.presplit));
  if (g.classes.length < 2) {
    throw new DataError(
      g.classes.length === 0 ? `${g.where}: no classes found` : `${g.where}: only one class ("${g.classes[0]}") found; a classifier needs at least two`,
      DATA_HINT,
    );
  }
  if (g.candidates.length === 0) {
    throw new DataError(
      `${g.where}: no usable images (${g.skipped.length} skipped, ${g.ignoredCount} ignored as hidden or not images)`,
      g.skipped.length ? `First problem: ${g.skipped[0].id}: ${g.skipped[0].reason}. ${DATA_HINT}` : DATA_HINT,
    );
  }

  const { kept, duplicates, droppedCrossSplit } = deduplicate(g.candidates, g.classes, presplit);
  requireEveryClass(g, kept, presplit);

  let splits: SplitName[];
  let rescuedClasses: string[] = [];
  if (presplit) {
    splits = kept.map((c) => c.presplit!);
  } else {
    const result = assignStableSplits(kept, { valSplit: splitOpts.valSplit, testSplit: splitOpts.testSplit, seed: splitOpts.seed });
    splits = result.splits;
    rescuedClasses = [...new Set(result.rescued.map((r) => g.classes[r.label]))];
  }
  let examples: Example[] = kept.map((c, i) => ({ id: c.id, source: c.source, label: c.label, hash: c.hash, split: splits[i] }));
  let droppedByLimit: number | undefined;
  if (splitOpts.limitPerClass !== undefined) {
    const dropped = trainingItemsBeyondLimit(examples, splitOpts.limitPerClass, splitOpts.seed);
    examples = examples.filter((e) => !dropped.has(e.id));
    droppedByLimit = dropped.size;
  }

  const dataset: Dataset = {
    spec,
    classes: g.classes,
    examples,
    skipped: g.skipped,
    ignoredCount: g.ignoredCount,
    duplicates,
    splitConfig: { ...splitOpts, presplit },
    ...(g.kind === 'builtin' ? { naturalInput: { height: BUILTIN_SIDE, width: BUILTIN_SIDE, channels: 1 as const } } : {}),
    ...(droppedByLimit !== undefined ? { droppedByLimit } : {}),
    ...(rescuedClasses.length ? { rescuedClasses } : {}),
    ...(g.root ? { root: g.root } : {}),
  };
  return { dataset, kind: g.kind, facts: g.facts, droppedCrossSplit };
}

/**
 * One example per (class, content). Identical copies in one class collapse to the first id;
 * copies in different classes are all kept (their labels disagree; inspect flags them) and share
 * a split because the split follows the hash. In pre-split data, copies in later splits than the
 * earliest one are dropped, so no image is both trained on and tested on.
 */
function deduplicate(candidates: Candidate[], classes: string[], presplit: boolean): { kept: Candidate[]; duplicates: DuplicateGroup[]; droppedCrossSplit: number } {
  const sorted = candidates.slice().sort((a, b) => a.label - b.label || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const groups = new Map<string, Candidate[]>();
  for (const c of sorted) {
    const list = groups.get(c.hash);
    if (list) list.push(c);
    else groups.set(c.hash, [c]);
  }
  const keptIds = new Set<string>();
  const duplicates: DuplicateGroup[] = [];
  let droppedCrossSplit = 0;
  for (const [hash, list] of groups) {
    let eligible = list;
    if (presplit) {
      const earliest = Math.min(...list.map((c) => SPLIT_ORDER.indexOf(c.presplit!)));
      eligible = list.filter((c) => SPLIT_ORDER.indexOf(c.presplit!) === earliest);
      droppedCrossSplit += list.length - eligible.length;
    }
    const seenLabels = new Set<number>();
    const kept: string[] = [];
    for (const c of eligible) {
      if (seenLabels.has(c.label)) continue;
      seenLabels.add(c.label);
      kept.push(c.id);
      keptIds.add(c.id);
    }
    if (list.length > 1) {
      const copies = list.slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      duplicates.push({
        hash,
        ids: copies.map((c) => c.id),
        labels: copies.map((c) => classes[c.label]),
        kept: kept.sort(),
        crossClass: new Set(list.map((c) => c.label)).size > 1,
      });
    }
  }
  duplicates.sort((a, b) => (a.ids[0] < b.ids[0] ? -1 : a.ids[0] > b.ids[0] ? 1 : 0));
  return { kept: sorted.filter((c) => keptIds.has(c.id)), duplicates, droppedCrossSplit };
}

function requireEveryClass(g: Gathered, kept: Candidate[], presplit: boolean): void {
  const usable = new Array<number>(g.classes.length).fill(0);
  const training = new Array<number>(g.classes.length).fill(0);
  for (const c of kept) {
    usable[c.label]++;
    if (c.presplit === 'train') training[c.label]++;
  }
  const empty = g.classes.filter((_, i) => usable[i] === 0);
  if (empty.length) {
    const skippedIn = (name: string) => g.skipped.filter((s) => g.classes[g.skippedLabels.get(s.id) ?? -1] === name);
    const detail = empty
      .slice(0, 5)
      .map((name) => {
        const bad = skippedIn(name);
        return bad.length ? `"${name}" (${bad.length} unreadable, e.g. ${bad[0].id}: ${bad[0].reason})` : `"${name}"`;
      })
      .join(', ');
    throw new DataError(
      `${g.where}: ${empty.length === 1 ? 'class' : `${empty.length} classes`} without a usable image: ${detail}${empty.length > 5 ? ', ...' : ''}`,
      'Add readable images (JPEG, PNG, WebP, GIF, TIFF, AVIF) to each class, or remove the empty class folder / manifest rows.',
    );
  }
  if (presplit) {
    const noTrain = g.classes.filter((_, i) => training[i] === 0);
    if (noTrain.length) {
      throw new DataError(
        `${g.where}: no training images for ${noTrain.map((n) => `"${n}"`).join(', ')} (they appear only in val/test)`,
        'Add images of these classes to the train split (train/<class>/ or split=train rows), or remove them from val/test.',
      );
    }
  }
}
