// 32-bit string hashing and mixing shared by the data room's split/shuffle randomness and the
// train room's derived seeds. Pure integer arithmetic: the same numbers on every platform.

/** FNV-1a over the UTF-16 code units of a string, as an unsigned 32-bit integer; `basis` picks an independent hash. */
export function fnv1a32(s: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit, so nearby inputs give unrelated outputs. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
