// Small seeded randomness for training: derived seeds and shuffle orders. Pure, no TensorFlow.
// Not for cryptography or weight initialisation (the models room seeds initialisers).

/** Mixes a 32-bit integer so nearby inputs give unrelated outputs (a murmur3-style finaliser). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of a string, as an unsigned 32-bit integer. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A seed (unsigned 32-bit integer) derived from a base seed and a path of parts, e.g.
 * deriveSeed(42, 'shuffle', phase, epoch). Same inputs give the same seed on every run;
 * changing any part gives an unrelated seed.
 */
export function deriveSeed(seed: number, ...parts: Array<number | string>): number {
  let h = mix32((Math.trunc(seed) >>> 0) ^ 0x9e3779b9);
  for (const part of parts) {
    const v = typeof part === 'number' ? Math.trunc(part) >>> 0 : hashString(part);
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

/** The indices 0..n-1 in an order fixed by the seed (Fisher-Yates). */
export function shuffledOrder(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = makeRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
