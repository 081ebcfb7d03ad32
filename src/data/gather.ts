// Gathering a data set's candidates: the images of a built-in set, a folder or a manifest, each
// read, hashed and checked (probe.ts), with what could not be used set aside as skipped.
// dataset.ts de-duplicates, splits and limits what this returns.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { DataError } from '../errors';
import type { SplitName } from './types';
import type { DataOptions, ExampleSource, SkippedFile } from './dataset-types';
import { builtinClassNames } from './class-names';
import { loadBuiltinClass } from './builtin';
import { scanFolder } from './files';
import { manifestFormatOf, parseManifest, resolveInside } from './manifest';
import { CheckLevel, ImageFacts, probeImageFile } from './probe';
import { defaultDecodeConfig } from './decode-config';

export type DatasetKind = 'builtin' | 'folder' | 'presplit-folder' | 'manifest';

export const DATA_HINT =
  'Pass a folder with one sub-folder of images per class (imgs/<class>/*.jpg), a pre-split tree ' +
  '(imgs/train/<class>/..., imgs/val/..., imgs/test/...), a CSV/JSONL manifest with path,label columns, ' +
  'or a built-in set: fashion-mnist, fashion-mnist:0-4, mnist:5,6,9.';

/** One usable image before de-duplication and splitting. */
export interface Candidate {
  id: string;
  source: ExampleSource;
  label: number;
  hash: string;
  presplit?: SplitName;
}

export interface Gathered {
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

export async function gatherBuiltin(set: 'fashion-mnist' | 'mnist', classIndices: number[], spec: string): Promise<Gathered> {
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

export async function gatherPath(p: string, spec: string, opts: DataOptions): Promise<Gathered> {
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
