// Temporary siblings of a folder being written (`.NAME.tmp-PID-XXXXXX`) and the folder moved
// aside while it is replaced (`...-old`): named with the writer's PID so that a later run in the
// same folder can tell a killed writer's leftovers from a live writer's work and clean only those.
import * as fs from 'fs';
import * as path from 'path';
import { processAlive } from '../lock';

/** mkdtemp prefix for a temporary sibling of `dir` owned by this process. */
export function tempSiblingPrefix(dir: string): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}.tmp-${process.pid}-`);
}

/** The folder a replaced `dir` is moved to while its temporary sibling `tmp` takes its place. */
export function asideOf(tmp: string): string {
  return `${tmp}-old`;
}

export interface TempName {
  /** The folder it was written for (basename). */
  target: string;
  /** The writer's PID; undefined for names from tl versions that did not record it. */
  pid?: number;
  /** A replaced folder moved aside, not a new one being written. */
  aside: boolean;
}

const TEMP_RE = /^\.(.+)\.tmp-(?:(\d+)-)?[A-Za-z0-9]{6}(-old)?$/;

/** Parses a temporary sibling's name; undefined for any other name. Pure. */
export function parseTempName(name: string): TempName | undefined {
  const m = TEMP_RE.exec(name);
  if (!m) return undefined;
  return { target: m[1], pid: m[2] === undefined ? undefined : Number(m[2]), aside: m[3] !== undefined };
}

/** Leftovers without a PID (older tl) are stale after this long: a final write takes seconds. */
const UNOWNED_STALE_MS = 3600_000;

export interface TempCleanup {
  /** Temporary folders of dead writers that were removed. */
  removed: string[];
  /** Folders moved aside by a writer killed mid-replace, put back where they were. */
  restored: string[];
}

/**
 * In `parent`, removes the temporary siblings whose writer is dead, and puts a folder that a dead
 * writer had moved aside back in place when nothing has taken its place since (the replace never
 * finished, so the previous run is what the user still has). A live writer's folders are never
 * touched, nor anything whose name is not a temporary sibling's.
 */
export function cleanStaleTemps(parent: string): TempCleanup {
  const result: TempCleanup = { removed: [], restored: [] };
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return result;
  }
  // Asides first: a restored folder must win over the half-written one beside it.
  const found = names.map((name) => ({ name, t: parseTempName(name) })).sort((a, b) => Number(b.t?.aside) - Number(a.t?.aside));
  for (const { name, t } of found) {
    if (!t) continue;
    const full = path.join(parent, name);
    const st = fs.lstatSync(full, { throwIfNoEntry: false });
    if (!st || !st.isDirectory()) continue;
    const stale = t.pid !== undefined ? !processAlive(t.pid) : Date.now() - st.mtimeMs > UNOWNED_STALE_MS;
    if (!stale) continue;
    const target = path.join(parent, t.target);
    if (t.aside && !fs.existsSync(target)) {
      fs.renameSync(full, target);
      result.restored.push(target);
    } else {
      fs.rmSync(full, { recursive: true, force: true });
      result.removed.push(full);
    }
  }
  return result;
}
