// loadDataset: from what the user typed after --data to a labelled, de-duplicated, split list of
// examples (no pixels). Scanning is files.ts, reading/checking probe.ts, the split rule split.ts;
// this file ties them together and refuses unusable data before any training starts.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { DataError, UsageError } from '../errors';
import type { SplitName } from './types';
import type { DataOptions, Dataset, DuplicateGroup, Example, ExampleSource, SkippedFile, SplitConfig } from './dataset-types';
import { parseDataSpec } from './spec';
import { builtinClassNames } from './class-names';
import { BUILTIN_SIDE, loadBuiltinClass } from './builtin';
import { scanFolder } from './files';
import { manifestFormatOf, parseManifest, resolveInside } from './manifest';
import { CheckLevel, ImageFacts, probeImageFile } from './probe';
import { defaultDecodeConfig } from './decode-config';
import { assignStableSplits, defaultSplitFractions, SPLIT_ORDER, trainingItemsBeyondLimit } from './split';

export type DatasetKind = 'builtin' | 'folder' | 'presplit-folder' | 'manifest';

/** A data set plus what was learned about its files on the way (for `tl inspect`). */
export interface LoadedDataset {
  dataset: Dataset;
  kind: DatasetKind;
  /** per example id (files only): size, channels, format */
  facts: Map<string, ImageFacts>;
  /** copies dropped from val/test of pre-split data because an identical image is in an earlier split */
  droppedCrossSplit: number;
}

const DATA_HINT =
  'Pass a folder with one sub-folder of images per class (imgs/<class>/*.jpg), a pre-split tree ' +
  '(imgs/train/<class>/..., imgs/val/..., imgs/test/...), a CSV/JSONL manifest with path,label columns, ' +
  'or a built-in set: fashion-mnist, fashion-mnist:0-4, mnist:5,6,9.';

export function examplesOf(ds: Dataset, split: SplitName): Example[] {
  return ds.examples.filter((e) => e.split === split);
}

export async function loadDataset(spec: string, opts: DataOptions = {}): Promise<Dataset> {
  return (await loadDatasetDetailed(spec, opts)).dataset;
}

/** Validates and fills in split options; messages name the CLI flags, which map one to one. */
export function resolveSplitOptions(opts: DataOptions): Omit<SplitConfig, 'presplit'> {
  const d = defaultSplitFractions();
  const valSplit = opts.valSplit ?? d.valSplit;
  const testSplit = opts.testSplit ?? d.testSplit;
  const seed = opts.seed ?? d.seed;
  const fraction = (flag: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0 && v < 1)) throw new UsageError(`${flag} must be a fraction from 0 to below 1, got ${v}`, `For example ${flag} 0.1 keeps 10% of each class aside.`);
  };
  fraction('--val-split', valSplit);
  fraction('--test-split', testSplit);
  if (valSplit + testSplit >= 1) {
    throw new UsageError(`--val-split ${valSplit} and --test-split ${testSplit} leave nothing for training`, 'Keep their sum below 1, e.g. 0.1 and 0.1.');
  }
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}`);
  if (opts.limitPerClass !== undefined && !(Number.isInteger(opts.limitPerClass) && opts.limitPerClass >= 1)) {
    throw new UsageError(`--limit-per-class must be a whole number of at least 1, got ${opts.limitPerClass}`);
  }
  return { valSplit, testSplit, seed, ...(opts.limitPerClass !== undefined ? { limitPerClass: opts.limitPerClass } : {}) };
}

interface Candidate {
  id: string;
  source: ExampleSource;
  label: number;
  hash: string;
  presplit?: SplitName;
}

interface Gathered {
  kind: DatasetKind;
  classes: string[];
  candidates: Candidate[];
  skipped: SkippedFile[];
  /** class index of each skipped id, for "class with no usable image" messages */
  skippedLabels: Map<string, number>;
  ignoredCount: number;
  facts: Map<string, ImageFacts>;
  root?: string;
  where: string;
}

export async function loadDatasetDetailed(spec: string, opts: DataOptions = {}): Promise<LoadedDataset> {
  const splitOpts = resolveSplitOptions(opts);
  const parsed = parseDataSpec(spec);
  const g = parsed.kind === 'builtin' ? await gatherBuiltin(parsed.set, parsed.classIndices, spec) : await gatherPath(parsed.path, spec, opts);
  const presplit = g.kind === 'presplit-folder' || (g.kind === 'manifest' && g.candidates.some((c) => c.presplit));
  if (g.classes.length < 2) {
    throw new DataError(
      g.classes.length === 0 ? `${g.where}: no classes found` : `${g.where}: only one class ("${g.classes[0]}") found; a classifier needs at least two`,
      DATA_HINT,
    );
  }
  if (g.candidates.length === 0) {
    throw new DataError(
      `${g.where}: no usable images (${g.skipped.length} skipped, ${g.ignoredCount} ignored as hidden or not images)`,
      g.skipped.length ? `First problem: ${g.skipped[0].id}: ${g.skipped[0].reason}. ${DATA_HINT}` : DATA_HINT,
    );
  }

  const { kept, duplicates, droppedCrossSplit } = deduplicate(g.candidates, g.classes, presplit);
  requireEveryClass(g, kept, presplit);

  let splits: SplitName[];
  let rescuedClasses: string[] = [];
  if (presplit) {
    splits = kept.map((c) => c.presplit!);
  } else {
    const result = assignStableSplits(kept, { valSplit: splitOpts.valSplit, testSplit: splitOpts.testSplit, seed: splitOpts.seed });
    splits = result.splits;
    rescuedClasses = [...new Set(result.rescued.map((r) => g.classes[r.label]))];
  }
  let examples: Example[] = kept.map((c, i) => ({ id: c.id, source: c.source, label: c.label, hash: c.hash, split: splits[i] }));
  let droppedByLimit: number | undefined;
  if (splitOpts.limitPerClass !== undefined) {
    const dropped = trainingItemsBeyondLimit(examples, splitOpts.limitPerClass, splitOpts.seed);
    examples = examples.filter((e) => !dropped.has(e.id));
    droppedByLimit = dropped.size;
  }

  const dataset: Dataset = {
    spec,
    classes: g.classes,
    examples,
    skipped: g.skipped,
    ignoredCount: g.ignoredCount,
    duplicates,
    splitConfig: { ...splitOpts, presplit },
    ...(g.kind === 'builtin' ? { naturalInput: { height: BUILTIN_SIDE, width: BUILTIN_SIDE, channels: 1 as const } } : {}),
    ...(droppedByLimit !== undefined ? { droppedByLimit } : {}),
    ...(rescuedClasses.length ? { rescuedClasses } : {}),
    ...(g.root ? { root: g.root } : {}),
  };
  return { dataset, kind: g.kind, facts: g.facts, droppedCrossSplit };
}

/**
 * One example per (class, content). Identical copies in one class collapse to the first id;
 * copies in different classes are all kept (their labels disagree; inspect flags them) and share
 * a split because the split follows the hash. In pre-split data, copies in later splits than the
 * earliest one are dropped, so no image is both trained on and tested on.
 */
function deduplicate(candidates: Candidate[], classes: string[], presplit: boolean): { kept: Candidate[]; duplicates: DuplicateGroup[]; droppedCrossSplit: number } {
  const sorted = candidates.slice().sort((a, b) => a.label - b.label || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const groups = new Map<string, Candidate[]>();
  for (const c of sorted) {
    const list = groups.get(c.hash);
    if (list) list.push(c);
    else groups.set(c.hash, [c]);
  }
  const keptIds = new Set<string>();
  const duplicates: DuplicateGroup[] = [];
  let droppedCrossSplit = 0;
  for (const [hash, list] of groups) {
    let eligible = list;
    if (presplit) {
      const earliest = Math.min(...list.map((c) => SPLIT_ORDER.indexOf(c.presplit!)));
      eligible = list.filter((c) => SPLIT_ORDER.indexOf(c.presplit!) === earliest);
      droppedCrossSplit += list.length - eligible.length;
    }
    const seenLabels = new Set<number>();
    const kept: string[] = [];
    for (const c of eligible) {
      if (seenLabels.has(c.label)) continue;
      seenLabels.add(c.label);
      kept.push(c.id);
      keptIds.add(c.id);
    }
    if (list.length > 1) {
      const copies = list.slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      duplicates.push({
        hash,
        ids: copies.map((c) => c.id),
        labels: copies.map((c) => classes[c.label]),
        kept: kept.sort(),
        crossClass: new Set(list.map((c) => c.label)).size > 1,
      });
    }
  }
  duplicates.sort((a, b) => (a.ids[0] < b.ids[0] ? -1 : a.ids[0] > b.ids[0] ? 1 : 0));
  return { kept: sorted.filter((c) => keptIds.has(c.id)), duplicates, droppedCrossSplit };
}

function requireEveryClass(g: Gathered, kept: Candidate[], presplit: boolean): void {
  const usable = new Array<number>(g.classes.length).fill(0);
  const training = new Array<number>(g.classes.length).fill(0);
  for (const c of kept) {
    usable[c.label]++;
    if (c.presplit === 'train') training[c.label]++;
  }
  const empty = g.classes.filter((_, i) => usable[i] === 0);
  if (empty.length) {
    const skippedIn = (name: string) => g.skipped.filter((s) => g.classes[g.skippedLabels.get(s.id) ?? -1] === name);
    const detail = empty
      .slice(0, 5)
      .map((name) => {
        const bad = skippedIn(name);
        return bad.length ? `"${name}" (${bad.length} unreadable, e.g. ${bad[0].id}: ${bad[0].reason})` : `"${name}"`;
      })
      .join(', ');
    throw new DataError(
      `${g.where}: ${empty.length === 1 ? 'class' : `${empty.length} classes`} without a usable image: ${detail}${empty.length > 5 ? ', ...' : ''}`,
      'Add readable images (JPEG, PNG, WebP, GIF, TIFF, AVIF) to each class, or remove the empty class folder / manifest rows.',
    );
  }
  if (presplit) {
    const noTrain = g.classes.filter((_, i) => training[i] === 0);
    if (noTrain.length) {
      throw new DataError(
        `${g.where}: no training images for ${noTrain.map((n) => `"${n}"`).join(', ')} (they appear only in val/test)`,
        'Add images of these classes to the train split (train/<class>/ or split=train rows), or remove them from val/test.',
      );
    }
  }
}

async function gatherBuiltin(set: 'fashion-mnist' | 'mnist', classIndices: number[], spec: string): Promise<Gathered> {
  const names = builtinClassNames(set);
  const candidates: Candidate[] = [];
  for (let label = 0; label < classIndices.length; label++) {
    const classIndex = classIndices[label];
    const data = await loadBuiltinClass(set, classIndex);
    for (let index = 0; index < data.count; index++) {
      candidates.push({ id: `${set}/${classIndex}/${index}`, source: { kind: 'builtin', set, classIndex, index }, label, hash: data.hashes[index] });
    }
  }
  return {
    kind: 'builtin',
    classes: classIndices.map((i) => names[i]),
    candidates,
    skipped: [],
    skippedLabels: new Map(),
    ignoredCount: 0,
    facts: new Map(),
    where: `--data ${spec}`,
  };
}

async function gatherPath(p: string, spec: string, opts: DataOptions): Promise<Gathered> {
  const abs = path.resolve(p);
  const stat = await fsp.stat(abs).catch(() => undefined);
  if (!stat) {
    throw new DataError(`--data ${spec}: no such file or folder (${abs})`, `Check the path. ${DATA_HINT}`);
  }
  if (stat.isDirectory()) {
    const scan = await scanFolder(abs);
    const classes = scan.labels;
    const labelOf = new Map(classes.map((c, i) => [c, i]));
    const files = scan.files.map((f) => ({ path: f.path, label: labelOf.get(f.label)!, split: f.split }));
    const probed = await probeAll(files, opts);
    return {
      ...probed,
      skipped: [...scan.skipped, ...probed.skipped],
      kind: scan.presplit ? 'presplit-folder' : 'folder',
      classes,
      ignoredCount: scan.ignoredCount,
      root: abs,
      where: abs,
    };
  }
  const format = manifestFormatOf(abs);
  if (!format) {
    throw new DataError(`--data ${spec}: ${abs} is a file but not a manifest (.csv, .jsonl)`, DATA_HINT);
  }
  const rows = parseManifest(await fsp.readFile(abs, 'utf8'), format, abs);
  if (rows.length === 0) throw new DataError(`${abs}: the manifest has no rows`, DATA_HINT);
  const root = path.dirname(abs);
  const classes = [...new Set(rows.map((r) => r.label))].sort();
  const labelOf = new Map(classes.map((c, i) => [c, i]));
  const byPath = new Map<string, { line: number; label: string }>();
  const files: { path: string; label: number; split?: SplitName }[] = [];
  const missing: string[] = [];
  let repeats = 0;
  for (const r of rows) {
    const resolved = resolveInside(root, r.path);
    if (!resolved) {
      throw new DataError(`${abs}:${r.line}: ${r.path} points outside the manifest's folder ${root}`, 'Keep images in or below the folder that holds the manifest, and use paths relative to it.');
    }
    const before = byPath.get(resolved);
    if (before) {
      if (before.label !== r.label) {
        throw new DataError(`${abs}: ${r.path} is listed with label "${before.label}" (line ${before.line}) and "${r.label}" (line ${r.line})`, 'Give each image one label.');
      }
      repeats++;
      continue;
    }
    byPath.set(resolved, { line: r.line, label: r.label });
    const st = await fsp.stat(resolved).catch(() => undefined);
    if (!st || !st.isFile()) {
      missing.push(`line ${r.line}: ${r.path}${!st ? '' : st.isDirectory() ? ' is a directory' : ' is not a regular file'}`);
      continue;
    }
    files.push({ path: resolved, label: labelOf.get(r.label)!, split: r.split });
  }
  if (missing.length) {
    throw new DataError(
      `${abs}: ${missing.length === 1 ? 'a row does not point to an image file' : `${missing.length} rows do not point to image files`} (${missing.slice(0, 5).join('; ')}${missing.length > 5 ? '; ...' : ''})`,
      `Paths are relative to ${root}. Fix or remove those rows.`,
    );
  }
  return { ...(await probeAll(files, opts)), kind: 'manifest', classes, ignoredCount: repeats, root, where: abs };
}

/** Reads, hashes and checks every file with bounded concurrency; unusable ones become `skipped`. */
async function probeAll(
  files: { path: string; label: number; split?: SplitName }[],
  opts: DataOptions,
): Promise<Pick<Gathered, 'candidates' | 'skipped' | 'skippedLabels' | 'facts'>> {
  const cfg = defaultDecodeConfig();
  const check: CheckLevel = opts.check ?? 'header';
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 8));
  const results = new Array<Awaited<ReturnType<typeof probeImageFile>>>(files.length);
  let nextIndex = 0;
  let done = 0;
  const worker = async () => {
    while (nextIndex < files.length) {
      const i = nextIndex++;
      results[i] = await probeImageFile(files[i].path, cfg, check);
      done++;
      opts.onProgress?.({ stage: 'check', done, total: files.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  const candidates: Candidate[] = [];
  const skipped: SkippedFile[] = [];
  const skippedLabels = new Map<string, number>();
  const facts = new Map<string, ImageFacts>();
  files.forEach((f, i) => {
    const r = results[i];
    if (r.ok) {
      candidates.push({ id: f.path, source: { kind: 'file', path: f.path }, label: f.label, hash: r.hash, ...(f.split ? { presplit: f.split } : {}) });
      facts.set(f.path, r.facts);
    } else {
      skipped.push({ id: f.path, reason: r.reason });
      skippedLabels.set(f.path, f.label);
    }
  });
  return { candidates, skipped, skippedLabels, facts };
}
