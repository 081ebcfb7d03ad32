// Reading and checking a tfjs layers model.json and its weight files on disk: pure parsing plus
// file checks. It does not load TensorFlow; loading lives in load.ts, fetching in cache.ts.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ModelError } from '../errors';
import type { KnownFile } from './zoo';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}
export interface WeightsGroup {
  paths: string[];
  weights: WeightSpec[];
}
export interface ModelJson {
  modelTopology: unknown;
  weightsManifest: WeightsGroup[];
  [k: string]: unknown;
}

/** model.json files are small (topology only; MobileNet's is about 100 KB): anything bigger is not one. */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

/** Bytes per stored element; quantized weights are stored in their quantization dtype. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Parses a model.json text; `where` (a path or URL) is named in errors. */
export function parseModelJson(text: string, where: string): ModelJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${where} is not valid JSON (${(err as Error).message})`,
      'A tfjs layers model.json is a JSON file written by model.save() or tensorflowjs_converter; the file may be truncated.');
  }
  const m = raw as Partial<ModelJson>;
  if (typeof m !== 'object' || m === null || typeof m.modelTopology !== 'object' || m.modelTopology === null) {
    throw new ModelError(`${where} has no "modelTopology": it is not a tfjs layers model`,
      'tl reads tfjs LayersModels (model.json + weight files); convert Keras models with tensorflowjs_converter --output_format tfjs_layers_model.');
  }
  const manifest = m.weightsManifest ?? [];
  if (!Array.isArray(manifest) || manifest.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights))) {
    throw new ModelError(`${where} has a malformed "weightsManifest" (each group needs "paths" and "weights")`);
  }
  for (const g of manifest) for (const p of g.paths) assertSafeRelativePath(p, where);
  return { ...m, modelTopology: m.modelTopology, weightsManifest: manifest } as ModelJson;
}

/** Weight paths are stored next to model.json: refuse anything that could escape that folder. */
export function assertSafeRelativePath(p: string, where: string): void {
  const bad = typeof p !== 'string' || p === '' || p.includes('\\') || p.includes('\0') || path.posix.isAbsolute(p) ||
    /^[a-z]+:/i.test(p) || p.split('/').some((part) => part === '..' || part === '.' || part === '');
  if (bad) {
    throw new ModelError(`${where} lists an unsafe weight file path '${p}': it could lead outside the model's folder`,
      'Weight paths must be plain relative file names inside the folder of model.json (no "..", no absolute paths).');
  }
}

/** Expected byte size of a weights group, or undefined when it holds strings (variable length). */
export function expectedGroupBytes(group: WeightsGroup): number | undefined {
  let total = 0;
  for (const w of group.weights) {
    const dtype = w.quantization?.dtype ?? w.dtype;
    const per = DTYPE_BYTES[dtype];
    if (per === undefined) return undefined;
    total += w.shape.reduce((a, b) => a * b, 1) * per;
  }
  return total;
}

/** All weight file paths of a manifest, in order, each once. */
export function weightPaths(m: ModelJson): string[] {
  return [...new Set(m.weightsManifest.flatMap((g) => g.paths))];
}

export interface FileRecord {
  bytes: number;
  sha256: string;
}

export function sha256Hex(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, streamed so large shards do not sit in memory twice. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads and parses a model.json on disk: it must be a regular file of sane size. */
export async function readModelJsonFile(modelJsonPath: string): Promise<{ text: string; model: ModelJson }> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(modelJsonPath);
  } catch {
    throw new ModelError(`${modelJsonPath} does not exist`,
      'A tfjs layers model folder holds model.json plus the weight files it lists (e.g. group1-shard1of1.bin).');
  }
  if (!st.isFile()) throw new ModelError(`${modelJsonPath} is not a regular file`, 'Pass a model.json file or the folder that holds it.');
  if (st.size > MAX_MODEL_JSON_BYTES) {
    throw new ModelError(`${modelJsonPath} has ${st.size} bytes, more than the ${MAX_MODEL_JSON_BYTES} a model.json can have: it is not one`);
  }
  const text = await fs.promises.readFile(modelJsonPath, 'utf8');
  return { text, model: parseModelJson(text, modelJsonPath) };
}

function isInside(root: string, file: string): boolean {
  return file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * The real path and size of each weight file (by its manifest path) of a model.json on disk.
 * Symlinks are resolved first, and each file must then lie inside the folder of model.json
 * (itself resolved) and be a regular file: a link to /etc cannot smuggle /etc/passwd in.
 */
export async function locateWeightFiles(m: ModelJson, modelJsonPath: string): Promise<Map<string, { file: string; bytes: number }>> {
  const dir = path.dirname(modelJsonPath);
  const root = await fs.promises.realpath(dir);
  const located = new Map<string, { file: string; bytes: number }>();
  for (const p of weightPaths(m)) {
    const listed = path.join(dir, ...p.split('/'));
    let file: string;
    try {
      file = await fs.promises.realpath(listed);
    } catch {
      throw new ModelError(`weight file ${listed} listed in ${modelJsonPath} is missing`,
        'Copy every file listed under weightsManifest[].paths next to model.json.');
    }
    if (!isInside(root, file)) {
      throw new ModelError(`${modelJsonPath} lists weight file '${p}', which leads to ${file}, outside the model's folder ${root}`,
        'tl reads weight files only from inside the folder of model.json (symlinks are resolved first): copy the files there instead of linking to them.');
    }
    const st = await fs.promises.stat(file);
    if (!st.isFile()) {
      throw new ModelError(`weight file ${listed} listed in ${modelJsonPath} ${st.isDirectory() ? 'is a directory' : 'is not a regular file'}`,
        'Each path under weightsManifest[].paths must name a weight file beside model.json.');
    }
    located.set(p, { file, bytes: st.size });
  }
  return located;
}

export interface CheckedModelFiles {
  model: ModelJson;
  /** Size and SHA-256 (or '' without hashes) by path relative to model.json, model.json included. */
  records: Record<string, FileRecord>;
  /** Real path of each weight file, by manifest path. */
  files: Map<string, { file: string; bytes: number }>;
}

/**
 * Checks a model.json on disk and its weight files: JSON parses, every listed file exists inside
 * the folder, each group's files add up to exactly the bytes its weights declare, and files with
 * a known size/hash match it (hashes skipped with `hashes: false`). Throws ModelError naming the
 * file and what is wrong.
 */
export async function checkModelFiles(
  modelJsonPath: string,
  known?: Record<string, KnownFile>,
  opts: { hashes?: boolean } = {},
): Promise<CheckedModelFiles> {
  const hashes = opts.hashes ?? true;
  const { text, model } = await readModelJsonFile(modelJsonPath);
  const records: Record<string, FileRecord> = {
    'model.json': { bytes: Buffer.byteLength(text), sha256: hashes ? sha256Hex(text) : '' },
  };
  const files = await locateWeightFiles(model, modelJsonPath);
  for (const [p, f] of files) records[p] = { bytes: f.bytes, sha256: hashes ? await sha256OfFile(f.file) : '' };
  checkSizesAndHashes(model, records, known, modelJsonPath, hashes);
  return { model, records, files };
}

/** checkModelFiles for `<dir>/model.json`; returns the size and hash of every file. */
export async function verifyModelDir(
  dir: string,
  known?: Record<string, KnownFile>,
  opts: { hashes?: boolean } = {},
): Promise<Record<string, FileRecord>> {
  return (await checkModelFiles(path.join(dir, 'model.json'), known, opts)).records;
}

/** The checks shared by downloads and local folders, over already-measured files. */
export function checkSizesAndHashes(
  m: ModelJson,
  records: Record<string, FileRecord>,
  known: Record<string, KnownFile> | undefined,
  where: string,
  hashes = true,
): void {
  m.weightsManifest.forEach((group, gi) => {
    const expected = expectedGroupBytes(group);
    if (expected === undefined) return;
    const actual = group.paths.reduce((sum, p) => sum + (records[p]?.bytes ?? 0), 0);
    if (actual !== expected) {
      const why = actual < expected ? 'the files are truncated or do not belong to this model.json' : 'the files are too long: they are not the weights of this model.json';
      throw new ModelError(
        `weights group ${gi + 1} in ${where} (${group.paths.join(', ')}) has ${actual} bytes, but model.json declares ${expected}: ${why}`,
        'Fetch the model again (`tl models pull <name> --force`) or copy the complete files that were saved with this model.json.',
      );
    }
  });
  for (const [file, k] of Object.entries(known ?? {})) {
    const r = records[file];
    if (!r) throw new ModelError(`${where}: expected file ${file} is missing`);
    if (r.bytes !== k.bytes) throw new ModelError(`${where}: ${file} has ${r.bytes} bytes, expected ${k.bytes}`);
    if (hashes && k.sha256 && r.sha256 !== k.sha256.toLowerCase()) {
      throw new ModelError(`${where}: ${file} has SHA-256 ${r.sha256}, expected ${k.sha256}: the file is corrupted or was replaced`,
        'Fetch the model again; if it keeps failing, the source changed and the registry needs updating.');
    }
  }
}
