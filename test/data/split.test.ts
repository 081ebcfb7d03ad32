// Pure tests of the stable split rule and the few-shot limit. No files, no TensorFlow.
import { createHash } from 'crypto';
import { assignStableSplits, splitForUnit, splitUnit, trainingItemsBeyondLimit } from '../../src/data/split';
import type { SplitName } from '../../src/data/types';

const fakeHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);
const F = { valSplit: 0.1, testSplit: 0.1, seed: 42 };

function items(label: number, n: number, prefix = `c${label}`) {
  return Array.from({ length: n }, (_, i) => ({ label, hash: fakeHash(`${prefix}-${i}`) }));
}

describe('stable splits', () => {
  it('cuts the unit interval test | val | train', () => {
    expect(splitForUnit(0.05, F)).toBe('test');
    expect(splitForUnit(0.15, F)).toBe('val');
    expect(splitForUnit(0.2, F)).toBe('train');
    expect(splitForUnit(0.99, { valSplit: 0, testSplit: 0 })).toBe('train');
  });

  it('gives units uniform enough that large classes hit the fractions', () => {
    const all = items(0, 20000);
    const { splits } = assignStableSplits(all, F);
    const frac = (s: SplitName) => splits.filter((x) => x === s).length / all.length;
    expect(frac('test')).toBeGreaterThan(0.09);
    expect(frac('test')).toBeLessThan(0.11);
    expect(frac('val')).toBeGreaterThan(0.09);
    expect(frac('val')).toBeLessThan(0.11);
  });

  it('never moves an existing image when images are added (to its class or others)', () => {
    const before = [...items(0, 300), ...items(1, 40)];
    const after = [...items(1, 40), ...items(0, 300), ...items(0, 500, 'new0'), ...items(1, 3, 'new1'), ...items(2, 50)];
    const a = assignStableSplits(before, F);
    const b = assignStableSplits(after, F);
    const splitOf = (list: typeof before, splits: SplitName[]) => new Map(list.map((it, i) => [`${it.label}/${it.hash}`, splits[i]]));
    const ma = splitOf(before, a.splits);
    const mb = splitOf(after, b.splits);
    expect(a.rescued).toEqual([]);
    for (const [k, s] of ma) expect(mb.get(k)).toBe(s);
  });

  it('depends on the seed and the content only', () => {
    const list = items(0, 500);
    const x = assignStableSplits(list, F).splits;
    const reversed = assignStableSplits(list.slice().reverse(), F).splits.reverse();
    expect(reversed).toEqual(x);
    const other = assignStableSplits(list, { ...F, seed: 7 }).splits;
    expect(other).not.toEqual(x);
    expect(splitUnit('abc', 1)).toBe(splitUnit('abc', 1));
    expect(splitUnit('abc', 1)).not.toBe(splitUnit('abc', 2));
  });

  it('puts identical images of different classes in the same split', () => {
    const shared = items(0, 200);
    const copies = shared.map((it) => ({ label: 1, hash: it.hash }));
    const { splits } = assignStableSplits([...shared, ...copies], F);
    for (let i = 0; i < shared.length; i++) expect(splits[i + shared.length]).toBe(splits[i]);
  });

  it('rescues a tiny class with no training image, moving every copy of that image', () => {
    // Find hashes that all land in test/val so the class has no training image.
    const heldOut: string[] = [];
    for (let i = 0; heldOut.length < 2; i++) {
      const h = fakeHash(`tiny-${i}`);
      if (splitForUnit(splitUnit(h, F.seed), F) !== 'train') heldOut.push(h);
    }
    // The image with the higher unit is the one rescued; give class 0 a copy of it.
    const [low, high] = heldOut.sort((a, b) => splitUnit(a, F.seed) - splitUnit(b, F.seed));
    const list = [...items(0, 50), { label: 1, hash: low }, { label: 1, hash: high }, { label: 0, hash: high }];
    const { splits, rescued } = assignStableSplits(list, F);
    expect(rescued).toHaveLength(1);
    expect(rescued[0].label).toBe(1);
    const trainIn1 = list.filter((it, i) => it.label === 1 && splits[i] === 'train');
    expect(trainIn1).toHaveLength(1);
    // The copy in class 0 follows its twin.
    const h = rescued[0].hash;
    expect(h).toBe(high);
    const splitsOfH = list.map((it, i) => (it.hash === h ? splits[i] : undefined)).filter(Boolean);
    expect(new Set(splitsOfH)).toEqual(new Set(['train']));
  });
});

describe('--limit-per-class', () => {
  const base = Array.from({ length: 300 }, (_, i) => ({ id: `a${i}`, label: i % 3, hash: fakeHash(`l${i}`), split: (['train', 'train', 'val', 'test'] as SplitName[])[i % 4] }));

  it('keeps at most N training items per class and never touches val/test', () => {
    const dropped = trainingItemsBeyondLimit(base, 5, 42);
    const kept = base.filter((b) => !dropped.has(b.id));
    for (const label of [0, 1, 2]) expect(kept.filter((k) => k.label === label && k.split === 'train')).toHaveLength(5);
    expect(kept.filter((k) => k.split !== 'train')).toHaveLength(base.filter((b) => b.split !== 'train').length);
  });

  it('is seeded and independent of input order', () => {
    const a = trainingItemsBeyondLimit(base, 5, 42);
    const b = trainingItemsBeyondLimit(base.slice().reverse(), 5, 42);
    const c = trainingItemsBeyondLimit(base, 5, 43);
    expect([...a].sort()).toEqual([...b].sort());
    expect([...a].sort()).not.toEqual([...c].sort());
  });
});
