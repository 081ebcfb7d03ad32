// Parses what the user typed after --data: a built-in set with an optional class subset
// (`fashion-mnist`, `fashion-mnist:0-4`, `mnist:5,6,9`, `fashion-mnist:bag,sneaker`) or a path.
// Pure: no file system access; whether a path exists is checked by the loader.
import { UsageError } from '../errors';
import { BuiltinSetName, builtinClassNames, isBuiltinSetName, BUILTIN_SET_NAMES } from './class-names';

export type DataSpec =
  | { kind: 'builtin'; set: BuiltinSetName; /** original class indices, ascending, unique */ classIndices: number[] }
  | { kind: 'path'; path: string };

const BUILTIN_RE = /^([a-z-]+)(?::(.*))?$/i;

/**
 * A bare built-in name wins over a folder of the same name in the working directory;
 * write `./fashion-mnist` to mean the folder.
 */
export function parseDataSpec(spec: string): DataSpec {
  const s = spec.trim();
  if (s === '') {
    throw new UsageError('--data is empty', 'Pass a folder of class sub-folders, a CSV/JSONL manifest, or a built-in set such as fashion-mnist:0-4.');
  }
  const m = BUILTIN_RE.exec(s);
  if (m && isBuiltinSetName(m[1].toLowerCase())) {
    const set = m[1].toLowerCase() as BuiltinSetName;
    const classIndices = m[2] === undefined ? builtinClassNames(set).map((_, i) => i) : parseClassSubset(set, m[2], s);
    return { kind: 'builtin', set, classIndices };
  }
  return { kind: 'path', path: s };
}

/** `0-4`, `5,6,9`, `0-2,7`, or class names (`bag,sneaker`), case-insensitive; duplicates are merged. */
export function parseClassSubset(set: BuiltinSetName, subset: string, wholeSpec: string): number[] {
  const names = builtinClassNames(set);
  const last = names.length - 1;
  const lowerNames = names.map((n) => n.toLowerCase());
  const chosen = new Set<number>();
  const bad = (what: string) =>
    new UsageError(
      `--data ${wholeSpec}: ${what}`,
      `${set} has classes 0-${last}: ${names.map((n, i) => `${i} ${n}`).join(', ')}. ` +
        `Write a range (${set}:0-4), a list (${set}:5,6,9) or class names.`,
    );
  const tokens = subset.split(',').map((t) => t.trim());
  for (const token of tokens) {
    if (token === '') throw bad('empty class in the list');
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(token);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (from > to) throw bad(`range ${token} runs backwards`);
      if (to > last) throw bad(`class ${to} does not exist`);
      for (let i = from; i <= to; i++) chosen.add(i);
      continue;
    }
    if (/^\d+$/.test(token)) {
      const i = Number(token);
      if (i > last) throw bad(`class ${i} does not exist`);
      chosen.add(i);
      continue;
    }
    const byName = lowerNames.indexOf(token.toLowerCase());
    if (byName < 0) throw bad(`unknown class "${token}"`);
    chosen.add(byName);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** For help texts and error hints. */
export function builtinSpecExamples(): string {
  return BUILTIN_SET_NAMES.map((n) => `${n}, ${n}:0-4, ${n}:5,6,9`).join('; ');
}
