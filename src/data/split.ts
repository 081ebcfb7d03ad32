// Stable train/val/test assignment and the few-shot training limit. Pure: items in, splits out.
// Not here: scanning, hashing or de-duplicating files (dataset.ts does that before calling in).
//
// The trade-off we picked:
// An image's split is a pure function of (content hash, seed, fractions): u = unitFromKey(seed,
// hash) in [0,1) (random.ts); u < test → test, u < test+val → val, otherwise train. This is the only kind
// of rule under which adding images can never move an existing one (if the split of x may depend
// on the other images, then x's split in {x} and in {x, y} could differ). It also puts identical
// images in one split automatically, whatever their class, because they share a hash.
// The price: per-class fractions are right only in expectation (binomial noise); a class of 20
// with 10% test gets 0 test images about 12% of the time. Ranking a class's hashes and cutting by
// rank would hit the fractions exactly but move existing images when new ones arrive, so we did not
// do it.
// One deliberate exception keeps tiny classes trainable: a class left with no training image gets
// its image with the highest u moved to train (and every identical copy with it, so copies still
// share a split). Once that class grows a training image of its own, the rescued image returns to
// its hash split. The rescue is reported in `rescued` so callers can warn about it.
import type { SplitName } from './types';
import { unitFromKey } from '../random';

export interface SplitFractions {
  valSplit: number;
  testSplit: number;
  seed: number;
}

/** The default fractions and seed of every command that splits data. */
export function defaultSplitFractions(): SplitFractions {
  return { valSplit: 0.1, testSplit: 0.1, seed: 42 };
}

/** Uniform number in [0,1) for an image: the whole input of its split decision. */
export function splitUnit(hash: string, seed: number): number {
  return unitFromKey(`split\u0000${seed}\u0000${hash}`);
}

/** test below testSplit, val in the next valSplit, train above. */
export function splitForUnit(u: number, f: Pick<SplitFractions, 'valSplit' | 'testSplit'>): SplitName {
  if (u < f.testSplit) return 'test';
  if (u < f.testSplit + f.valSplit) return 'val';
  return 'train';
}

export interface SplitItem {
  /** class index */
  label: number;
  /** hex content hash */
  hash: string;
}

export interface StableSplitResult {
  /** aligned with the input items */
  splits: SplitName[];
  /** hashes moved to train because their class had no training image */
  rescued: { label: number; hash: string }[];
}

/**
 * Assigns each item its stable split; see the file comment for the rule and its one exception.
 * Items must already be de-duplicated per class (one item per (label, hash)).
 */
export function assignStableSplits(items: readonly SplitItem[], f: SplitFractions): StableSplitResult {
  const units = new Map<string, number>();
  const unitOf = (hash: string): number => {
    let u = units.get(hash);
    if (u === undefined) {
      u = splitUnit(hash, f.seed);
      units.set(hash, u);
    }
    return u;
  };
  const splitOfHash = new Map<string, SplitName>();
  for (const it of items) {
    if (!splitOfHash.has(it.hash)) splitOfHash.set(it.hash, splitForUnit(unitOf(it.hash), f));
  }

  // Rescue classes without a training image. One pass is enough: a rescue only ever adds
  // training images, so it cannot take away another class's.
  const byLabel = new Map<number, SplitItem[]>();
  for (const it of items) {
    const list = byLabel.get(it.label);
    if (list) list.push(it);
    else byLabel.set(it.label, [it]);
  }
  const rescued: { label: number; hash: string }[] = [];
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const list = byLabel.get(label)!;
    if (list.some((it) => splitOfHash.get(it.hash) === 'train')) continue;
    let best = list[0];
    for (const it of list) {
      const d = unitOf(it.hash) - unitOf(best.hash);
      if (d > 0 || (d === 0 && it.hash > best.hash)) best = it;
    }
    splitOfHash.set(best.hash, 'train');
    rescued.push({ label, hash: best.hash });
  }
  return { splits: items.map((it) => splitOfHash.get(it.hash)!), rescued };
}

export interface LimitItem {
  id: string;
  label: number;
  hash: string;
  split: SplitName;
}

/**
 * --limit-per-class: keeps at most `limit` training items per class, chosen by a seeded hash
 * of their content (the same images for the same seed, whatever order they were found in).
 * Validation and test items are never touched, so a few-shot run is still measured on the
 * full held-out splits. Returns the ids of the training items that were left out.
 */
export function trainingItemsBeyondLimit(items: readonly LimitItem[], limit: number, seed: number): Set<string> {
  const byLabel = new Map<number, { item: LimitItem; u: number }[]>();
  for (const item of items) {
    if (item.split !== 'train') continue;
    const u = unitFromKey(`limit\u0000${seed}\u0000${item.hash}`);
    const list = byLabel.get(item.label);
    if (list) list.push({ item, u });
    else byLabel.set(item.label, [{ item, u }]);
  }
  const dropped = new Set<string>();
  for (const list of byLabel.values()) {
    if (list.length <= limit) continue;
    list.sort((a, b) => a.u - b.u || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
    for (const { item } of list.slice(limit)) dropped.add(item.id);
  }
  return dropped;
}

/** Order used when identical images sit in several pre-split folders: keep the earliest. */
export const SPLIT_ORDER: readonly SplitName[] = ['train', 'val', 'test'];
