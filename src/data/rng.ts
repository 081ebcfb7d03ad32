// Seeded, platform-independent randomness for the data room: split units, shuffles, augmentation.
// Pure functions only; nothing here reads the clock or Math.random, so every result is reproducible.
import { fnv1a32, mix32 } from '../hash32';

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

/** mulberry32: a small, fast PRNG with a 32-bit state; returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG seeded from several parts (e.g. seed, epoch, example id); same parts, same stream. */
export function seededRandom(...parts: (string | number)[]): () => number {
  return mulberry32(hash32(parts.join('\u0000')));
}

/** Fisher-Yates shuffle of a copy of `items` with a seeded PRNG. */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
