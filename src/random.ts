// tl's one source of seeded randomness: derived seeds, a small generator, shuffles and a
// key-to-unit hash. Pure and platform-independent (no clock, no Math.random), so a seed gives the
// same split, order, masks and augmentation on every machine. Not for cryptography; weight
// initialisers are seeded by the models room.
import { fnv1a32, mix32 } from './hash32';

/**
 * A seed (unsigned 32-bit integer) derived from a base seed and a path of parts, e.g.
 * deriveSeed(42, 'shuffle', phase, epoch). Same inputs give the same seed on every run;
 * changing any part gives an unrelated seed.
 */
export function deriveSeed(seed: number, ...parts: Array<number | string>): number {
  let h = mix32((Math.trunc(seed) >>> 0) ^ 0x9e3779b9);
  for (const part of parts) {
    const v = typeof part === 'number' ? Math.trunc(part) >>> 0 : fnv1a32(part);
    // Each step folds the next part in and re-mixes, so the order of parts matters.
    h = mix32((h ^ v) + 0x9e3779b9 + (h << 6) + (h >>> 2));
  }
  return h;
}

/** A generator of floats in [0, 1) from a 32-bit seed (a splitmix32-style counter generator). */
export function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state) / 4294967296;
  };
}

/** A generator seeded from several parts (e.g. seed, epoch, example id); same parts, same stream. */
export function seededRandom(...parts: (string | number)[]): () => number {
  return makeRandom(hash32(parts.join('\u0000')));
}

/** The indices 0..n-1 in an order fixed by the seed (Fisher-Yates). */
export function shuffledOrder(n: number, seed: number): Int32Array {
  return shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), makeRandom(seed));
}

/** A shuffled copy of `items` (Fisher-Yates with the given generator). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  return shuffleInPlace(items.slice(), random);
}

function shuffleInPlace<A extends { length: number; [i: number]: unknown }>(a: A, random: () => number): A {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * A uniform number in [0, 1) derived from a key: 53 bits from two independent 32-bit hashes.
 * Used where a decision must be a pure, well-mixed function of its inputs (an image's split);
 * the keys carry a SHA-256 content hash already, so a fast mixer is enough (~0.2 µs per call;
 * crypto's createHash costs ~30x that, which matters for 70,000 images).
 */
export function unitFromKey(key: string): number {
  const hi = hash32(key, 0x9e3779b9) & 0x1fffff; // 21 bits
  const lo = hash32(key, 0x811c9dc5); // 32 bits
  return (hi * 4294967296 + lo) / 2 ** 53;
}

/**
 * 32-bit FNV-1a over the UTF-16 code units, finished with murmur3's avalanche step so every
 * input bit affects every output bit. `basis` selects an independent hash of the same key.
 */
export function hash32(s: string, basis = 0x811c9dc5): number {
  return mix32(fnv1a32(s, basis));
}
