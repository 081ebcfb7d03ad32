// `tl cache verify` and `tl cache clear` behind the CLI: checking every activation-cache entry
// against its checksum (removing the damaged ones) and emptying the cache. No TensorFlow here.
import * as fs from 'fs';
import * as path from 'path';
import { readEntry, removeDamaged } from './activation-entry';

export interface CacheCheck {
  /** the activation cache folder */
  area: string;
  /** key folders (one per base, cut layer and input) */
  keys: number;
  /** entries whose checksum matched */
  good: number;
  /** what was damaged and removed (entries, stray files, key folders without a readable key.json) */
  damaged: { path: string; reason: string }[];
  /** bytes of the good entries */
  bytes: number;
}

/** Checks every entry under `area` and removes the damaged ones; the cache stays usable. */
export function verifyActivationCache(area: string): CacheCheck {
  const result: CacheCheck = { area, keys: 0, good: 0, damaged: [], bytes: 0 };
  const st = fs.statSync(area, { throwIfNoEntry: false });
  if (!st) return result;
  if (!st.isDirectory()) {
    // Not removed here: the user may have put a file there; `tl cache clear` removes it.
    result.damaged.push({ path: area, reason: 'the cache folder is a file' });
    return result;
  }
  for (const name of fs.readdirSync(area).sort()) {
    const keyDir = path.join(area, name);
    const rowLen = rowLengthOf(keyDir);
    if (typeof rowLen === 'string') {
      result.damaged.push({ path: keyDir, reason: rowLen });
      removeDamaged(keyDir, area);
      continue;
    }
    result.keys++;
    for (const shard of fs.readdirSync(keyDir).sort()) {
      if (shard === 'key.json' || shard.startsWith('.')) continue;
      const shardDir = path.join(keyDir, shard);
      if (!fs.lstatSync(shardDir).isDirectory()) {
        result.damaged.push({ path: shardDir, reason: 'a file where a folder of entries belongs' });
        removeDamaged(shardDir, keyDir);
        continue;
      }
      for (const entry of fs.readdirSync(shardDir).sort()) {
        if (entry.startsWith('.')) continue; // a write in progress (temp + rename)
        const file = path.join(shardDir, entry);
        const read = readEntry(file, rowLen);
        if (read.kind === 'ok') {
          result.good++;
          result.bytes += read.row.byteLength;
        } else {
          result.damaged.push({ path: file, reason: read.kind === 'damaged' ? read.reason : 'unreadable' });
          removeDamaged(file, keyDir);
        }
      }
    }
  }
  return result;
}

/** Floats per entry from the key folder's key.json, or why the folder is damaged. */
function rowLengthOf(keyDir: string): number | string {
  if (!fs.lstatSync(keyDir).isDirectory()) return 'a file where a key folder belongs';
  let key: { featureShape?: unknown };
  try {
    key = JSON.parse(fs.readFileSync(path.join(keyDir, 'key.json'), 'utf8')) as { featureShape?: unknown };
  } catch (err) {
    return `its key.json cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const shape = key.featureShape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) return 'its key.json has no valid featureShape';
  return (shape as number[]).reduce((a, b) => a * b, 1);
}

/** Empties the activation cache; returns how many bytes it held. */
export function clearActivationCache(area: string): { area: string; bytes: number } {
  const bytes = sizeOf(area);
  fs.rmSync(area, { recursive: true, force: true });
  return { area, bytes };
}

function sizeOf(p: string): number {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((sum, name) => sum + sizeOf(path.join(p, name)), 0);
}
