// One activation-cache entry on disk: a row of float32 values followed by a checksum of them,
// so a changed value (a flipped bit, a scaled file) is caught instead of trained on. Also the
// repairs a damaged layout needs, and the checks behind `tl cache verify`.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../errors';
import { writeFileAtomicSync } from './atomic';

/** Bytes of checksum after the row: the first 16 bytes of SHA-256 over the row's bytes. */
export const CHECKSUM_BYTES = 16;

function checksum(rowBytes: Uint8Array): Buffer {
  return crypto.createHash('sha256').update(rowBytes).digest().subarray(0, CHECKSUM_BYTES);
}

/** The file content for a row: its bytes, then their checksum. */
export function encodeEntry(row: Float32Array): Buffer {
  const bytes = new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
  return Buffer.concat([bytes, checksum(bytes)]);
}

export type EntryRead = { kind: 'ok'; row: Float32Array } | { kind: 'absent' } | { kind: 'damaged'; reason: string };

/** Decodes file content for a row of `rowLen` floats, checking length and checksum. */
export function decodeEntry(buf: Buffer, rowLen: number): EntryRead {
  const rowBytes = rowLen * 4;
  if (buf.length === rowBytes) return { kind: 'damaged', reason: 'it has no checksum (written by an older tl)' };
  if (buf.length !== rowBytes + CHECKSUM_BYTES) return { kind: 'damaged', reason: `it holds ${buf.length} bytes, expected ${rowBytes + CHECKSUM_BYTES}` };
  const body = buf.subarray(0, rowBytes);
  if (!checksum(body).equals(buf.subarray(rowBytes))) return { kind: 'damaged', reason: 'its checksum does not match its values (the file was changed)' };
  const row = new Float32Array(rowLen);
  new Uint8Array(row.buffer).set(body);
  return { kind: 'ok', row };
}

/** Reads one entry; a folder or unreadable file where the entry should be counts as damaged. */
export function readEntry(file: string, rowLen: number): EntryRead {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'EISDIR') return { kind: 'damaged', reason: 'a folder stands where the entry file should be' };
    if (code === 'ENOTDIR') return { kind: 'damaged', reason: 'a file stands where its folder should be' };
    return { kind: 'damaged', reason: `it cannot be read (${code ?? (err as Error).message})` };
  }
  return decodeEntry(buf, rowLen);
}

/**
 * Removes whatever stands at `target` inside the cache folder `within` (file or folder), and a
 * file standing where one of its parent folders should be. Never touches anything outside `within`.
 */
export function removeDamaged(target: string, within: string): void {
  const rel = path.relative(within, target);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return;
  for (let p = path.dirname(target); p !== within && p.startsWith(within + path.sep); p = path.dirname(p)) {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) fs.rmSync(p, { force: true });
  }
  fs.rmSync(target, { recursive: true, force: true });
}

/** Writes one entry (temp + rename), first clearing a damaged layout in its way. */
export function writeEntry(file: string, row: Float32Array, keyDir: string): void {
  const data = encodeEntry(row);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomicSync(file, data);
  } catch {
    removeDamaged(file, keyDir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomicSync(file, data);
  }
}

/**
 * Makes sure the key folder `keyDir` under the cache folder `area` exists. A file where the key
 * folder should be is removed (it is tl's own cache); a cache folder that is itself a file is
 * the user's to fix, so that is refused with the command that empties the cache.
 */
export function ensureKeyDir(area: string, keyDir: string): { repaired: boolean } {
  const areaStat = fs.statSync(area, { throwIfNoEntry: false });
  if (areaStat && !areaStat.isDirectory()) {
    throw new UsageError(`the activation cache ${area} is a file, not a folder`, 'Remove it, or run `tl cache clear` to empty the activation cache (set TL_CACHE_DIR to use another place).');
  }
  const keyStat = fs.lstatSync(keyDir, { throwIfNoEntry: false });
  let repaired = false;
  if (keyStat && !keyStat.isDirectory()) {
    fs.rmSync(keyDir, { force: true });
    repaired = true;
  }
  try {
    fs.mkdirSync(keyDir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create the activation cache folder ${keyDir}: ${(err as Error).message}`, 'Check its permissions, or run `tl cache clear` (TL_CACHE_DIR moves the cache elsewhere).');
  }
  return { repaired };
}
