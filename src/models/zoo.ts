// The base-model zoo: reads the registry kept as data in models/zoo.json and looks names up.
// Pure apart from reading that one file; downloading and loading live in download.ts / resolve.ts.
import * as fs from 'fs';
import * as path from 'path';
import type { InputSpec } from '../data/types';
import { ModelError, UsageError } from '../errors';
import { listNames, nearestNames } from './nearby';

/** A file of a downloadable model whose size (bytes) and SHA-256 (hex) are known in advance. */
export interface KnownFile {
  bytes: number;
  sha256?: string;
}

export type ZooSource =
  /** Downloaded from `<baseUrl>/<path>` (model.json; shards relative to it). */
  | { kind: 'url'; path: string; files?: Record<string, KnownFile> }
  /** Shipped inside the nsfwjs npm package: works offline. */
  | { kind: 'nsfwjs'; package: string; module: string };

export interface ZooModel {
  name: string;
  source: ZooSource;
  input: InputSpec;
  featureLayer: string;
  license: string;
  description: string;
  /** What the weights were trained on, for `tl assess`'s "far more data than yours" check. */
  trainedOn?: TrainedOn;
}

/** The source task of a base: its data, and how many images and classes when known. */
export interface TrainedOn {
  data: string;
  images?: number;
  classes?: number;
}

/** A second name for a model, e.g. `mobilenet`; `why` says why that target was chosen. */
export interface ZooAlias {
  name: string;
  aliasOf: string;
  why: string;
}

export interface Zoo {
  baseUrl: string;
  /** Environment variable that overrides baseUrl (mirrors, local test servers). */
  baseUrlEnv: string;
  models: (ZooModel | ZooAlias)[];
}

export const ZOO_FILE = path.join(__dirname, '..', '..', 'models', 'zoo.json');

let cachedZoo: Zoo | undefined;

/** The registry from models/zoo.json (read once), checked for the fields tl relies on. */
export function loadZoo(file: string = ZOO_FILE): Zoo {
  if (file === ZOO_FILE && cachedZoo) return cachedZoo;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelError(`cannot read the model zoo registry ${file}: ${(err as Error).message}`,
      'The registry ships with tl in models/zoo.json; reinstall tl or restore that file.');
  }
  const zoo = validateZoo(raw, file);
  if (file === ZOO_FILE) cachedZoo = zoo;
  return zoo;
}

/** Checks the registry's shape; names the entry that is wrong. */
export function validateZoo(raw: unknown, where = 'zoo'): Zoo {
  const bad = (what: string) => new ModelError(`invalid model zoo registry ${where}: ${what}`);
  if (typeof raw !== 'object' || raw === null) throw bad('not a JSON object');
  const z = raw as Partial<Zoo>;
  if (typeof z.baseUrl !== 'string' || !Array.isArray(z.models)) throw bad('needs "baseUrl" and "models"');
  const names = new Set<string>();
  for (const m of z.models) {
    if (typeof m?.name !== 'string') throw bad('a model without a "name"');
    if (names.has(m.name)) throw bad(`"${m.name}" is listed twice`);
    names.add(m.name);
    if (isAlias(m)) continue;
    const mm = m as ZooModel;
    if (!mm.source || !mm.input || typeof mm.featureLayer !== 'string' || typeof mm.description !== 'string') {
      throw bad(`"${m.name}" needs source, input, featureLayer and description`);
    }
  }
  for (const m of z.models) {
    if (isAlias(m) && (!names.has(m.aliasOf) || isAlias(z.models.find((x) => x.name === m.aliasOf)!))) {
      throw bad(`alias "${m.name}" points to "${m.aliasOf}", which is not a model`);
    }
  }
  return { baseUrl: z.baseUrl, baseUrlEnv: z.baseUrlEnv ?? 'TL_MODEL_BASE_URL', models: z.models };
}

export function isAlias(m: ZooModel | ZooAlias): m is ZooAlias {
  return typeof (m as ZooAlias).aliasOf === 'string';
}

/** The model a name refers to (aliases followed), or undefined. Exact, case-sensitive. */
export function findZooModel(zoo: Zoo, name: string): ZooModel | undefined {
  const entry = zoo.models.find((m) => m.name === name);
  if (!entry) return undefined;
  if (!isAlias(entry)) return entry;
  return zoo.models.find((m) => m.name === entry.aliasOf && !isAlias(m)) as ZooModel | undefined;
}

/** Like findZooModel, but throws a ModelError listing the names closest to the one given. */
export function requireZooModel(zoo: Zoo, name: string): ZooModel {
  const found = findZooModel(zoo, name);
  if (found) return found;
  const near = nearestNames(name, zoo.models.map((m) => m.name));
  throw new ModelError(
    `'${name}' is not a model in the tl zoo${near.length ? `; nearest: ${listNames(near)}` : ''}`,
    'Run `tl models list` for the zoo, or pass a run directory, a model.json path or an http(s) URL.',
  );
}

/** Base URL for downloads: explicit option, else the registry's env variable, else the registry. */
export function zooBaseUrl(zoo: Zoo, override?: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = override ?? env[zoo.baseUrlEnv] ?? zoo.baseUrl;
  return base.replace(/\/+$/, '');
}

/** Full model.json URL of a downloadable zoo model; a base URL that does not parse is a UsageError. */
export function zooModelUrl(zoo: Zoo, m: ZooModel, baseOverride?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (m.source.kind !== 'url') throw new ModelError(`zoo model '${m.name}' is not downloaded from a URL`);
  const url = `${zooBaseUrl(zoo, baseOverride, env)}/${m.source.path.replace(/^\/+/, '')}`;
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    const from = baseOverride !== undefined ? 'the base URL option' : env[zoo.baseUrlEnv] !== undefined ? `$${zoo.baseUrlEnv}` : ZOO_FILE;
    throw new UsageError(`the download URL of '${m.name}', ${url}, is not a valid http(s) URL: its base comes from ${from}`,
      `Set ${zoo.baseUrlEnv} to a mirror's address such as http://mirror.local/tfjs (an IPv6 host goes in brackets: http://[::1]:8080), or unset it.`);
  }
  return url;
}

/** Names of the bases that need no network (shipped inside an npm package). */
export function offlineBaseNames(zoo: Zoo): string[] {
  return zoo.models.filter((m): m is ZooModel => !isAlias(m) && m.source.kind !== 'url').map((m) => m.name);
}
