// Reading and checking a tfjs layers model.json and its weight files on disk: pure parsing plus
// file checks. It does not load TensorFlow; loading lives in load.ts, fetching in download.ts.
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
  if (bad) throw new ModelError(`${where} lists an unsafe weight file path '${p}'`, 'Weight paths must be plain relative file names.');
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

/**
 * Checks a folder holding model.json and its weight files: JSON parses, every listed file
 * exists, each group's files add up to the bytes its weights declare, and files with a
 * known size/hash match it. Returns size and hash of every file (hash '' with
 * `hashes: false`). Throws ModelError naming the file and what is wrong.
 */
export async function verifyModelDir(
  dir: string,
  known?: Record<string, KnownFile>,
  opts: { hashes?: boolean } = {},
): Promise<Record<string, FileRecord>> {
  const hashes = opts.hashes ?? true;
  const modelJsonPath = path.join(dir, 'model.json');
  let text: string;
  try {
    text = await fs.promises.readFile(modelJsonPath, 'utf8');
  } catch {
    throw new ModelError(`${modelJsonPath} does not exist`,
      'A tfjs layers model folder holds model.json plus the weight files it lists (e.g. group1-shard1of1.bin).');
  }
  const m = parseModelJson(text, modelJsonPath);
  const records: Record<string, FileRecord> = {
    'model.json': { bytes: Buffer.byteLength(text), sha256: hashes ? sha256Hex(text) : '' },
  };
  for (const p of weightPaths(m)) {
    const file = path.join(dir, ...p.split('/'));
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(file);
    } catch {
      throw new ModelError(`weight file ${file} listed in ${modelJsonPath} is missing`,
        'Copy every file listed under weightsManifest[].paths next to model.json.');
    }
    records[p] = { bytes: st.size, sha256: hashes ? await sha256OfFile(file) : '' };
  }
  checkSizesAndHashes(m, records, known, dir, hashes);
  return records;
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
      throw new ModelError(
        `weights group ${gi + 1} in ${where} (${group.paths.join(', ')}) has ${actual} bytes, but model.json declares ${expected}: the files are truncated or do not belong to this model.json`,
        'Fetch the model again (`tl models pull <name> --force`) or copy the complete files.',
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
