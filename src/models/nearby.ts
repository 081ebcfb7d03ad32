// Suggesting names near a mistyped one (layers, zoo models): pure string helpers, no TensorFlow.
// Used by error messages so a typo is answered with the names the user probably meant.

/** Levenshtein distance (insert/delete/substitute, each cost 1), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (s === t) return 0;
  if (s.length === 0) return t.length;
  if (t.length === 0) return s.length;
  // One rolling row of the DP table: prev[j] = distance(s[0..i), t[0..j)).
  let prev = new Array<number>(t.length + 1);
  let curr = new Array<number>(t.length + 1);
  for (let j = 0; j <= t.length; j++) prev[j] = j;
  for (let i = 1; i <= s.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const substitution = prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1);
      curr[j] = Math.min(prev[j] + 1, curr[j - 1] + 1, substitution);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[t.length];
}

/**
 * Up to `max` candidates closest to `wanted` by edit distance, best first. Candidates
 * further than about half the wanted length are dropped unless one contains the other
 * (so "pw_13_relu" still finds "conv_pw_13_relu", ranked by its distance).
 */
export function nearestNames(wanted: string, candidates: readonly string[], max = 5): string[] {
  const w = wanted.toLowerCase();
  const limit = Math.max(2, Math.ceil(w.length / 2));
  const scored: { name: string; score: number; order: number }[] = [];
  candidates.forEach((name, order) => {
    const n = name.toLowerCase();
    const score = editDistance(w, n);
    const contains = w.length >= 3 && n.length >= 3 && (n.includes(w) || w.includes(n));
    if (score <= limit || contains) scored.push({ name, score, order });
  });
  scored.sort((x, y) => x.score - y.score || x.order - y.order);
  return [...new Set(scored.map((s) => s.name))].slice(0, max);
}

/** "a, b, c" or "(none)"; keeps error messages one line. */
export function listNames(names: readonly string[]): string {
  return names.length > 0 ? names.join(', ') : '(none)';
}
