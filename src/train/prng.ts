// Small seeded randomness for training: derived seeds and shuffle orders. Pure, no TensorFlow.
// Not for cryptography or weight initialisation (the models room seeds initialisers).
import { fnv1a32, mix32 } from '../hash32';

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
