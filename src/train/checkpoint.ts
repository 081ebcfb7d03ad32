// The on-disk form of a TrainCheckpoint: one file (so replacing it is one atomic rename),
// a JSON header followed by the raw little-endian tensor values. Not a model format.
import * as fs from 'fs';
import { UsageError } from '../errors';
import { writeFileAtomic } from './atomic';
import type { NamedArray } from './optimizer';
import type { TrainCheckpoint } from './types';

const MAGIC = 'TLCKPT01';

interface ArrayRef {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Byte offset into the data section and number of elements. */
  offset: number;
  length: number;
}

type Header = Omit<TrainCheckpoint, 'weights' | 'bestWeights' | 'optimizer'> & {
  weights: ArrayRef[];
  bestWeights: ArrayRef[] | null;
  optimizer: Omit<TrainCheckpoint['optimizer'], 'weights'> & { weights: ArrayRef[] };
};

/** Serialises a checkpoint. Pure. */
export function encodeCheckpoint(ckpt: TrainCheckpoint): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  const ref = (a: NamedArray): ArrayRef => {
    const bytes = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    chunks.push(bytes);
    const r: ArrayRef = { name: a.name, shape: a.shape, dtype: a.dtype, offset, length: a.data.length };
    offset += bytes.length;
    return r;
  };
  const header: Header = {
    ...ckpt,
    weights: ckpt.weights.map(ref),
    bestWeights: ckpt.bestWeights ? ckpt.bestWeights.map(ref) : null,
    optimizer: { ...ckpt.optimizer, weights: ckpt.optimizer.weights.map(ref) },
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const lead = Buffer.alloc(12);
  lead.write(MAGIC, 0, 'ascii');
  lead.writeUInt32LE(json.length, 8);
  // Pad so the data section starts 4-byte aligned (typed arrays can then view it directly).
  const pad = Buffer.alloc((4 - ((12 + json.length) % 4)) % 4);
  return Buffer.concat([lead, json, pad, ...chunks]);
}

/** Parses what encodeCheckpoint wrote; `where` names the file in errors. */
export function decodeCheckpoint(buf: Buffer, where: string): TrainCheckpoint {
  const bad = (why: string) =>
    new UsageError(`${where} is not a usable tl training checkpoint (${why})`, 'Start the run again without --resume.');
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC) throw bad('unknown format');
  const jsonLength = buf.readUInt32LE(8);
  if (12 + jsonLength > buf.length) throw bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + jsonLength)) as Header;
  } catch {
    throw bad('corrupt header');
  }
  if (header.format !== 'tl-train-checkpoint' || header.version !== 1) throw bad(`version ${String(header.version)}`);
  const dataStart = 12 + jsonLength + ((4 - ((12 + jsonLength) % 4)) % 4);
  const read = (r: ArrayRef): NamedArray => {
    const start = dataStart + r.offset;
    const bytes = r.length * 4;
    if (start + bytes > buf.length) throw bad(`truncated data for ${r.name}`);
    // Copy out so the result does not pin (or alias) the file buffer.
    const copy = new ArrayBuffer(bytes);
    new Uint8Array(copy).set(buf.subarray(start, start + bytes));
    const data = r.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    return { name: r.name, shape: r.shape, dtype: r.dtype, data };
  };
  return {
    ...header,
    weights: header.weights.map(read),
    bestWeights: header.bestWeights ? header.bestWeights.map(read) : null,
    optimizer: { ...header.optimizer, weights: header.optimizer.weights.map(read) },
  };
}

/**
 * Writes atomically: a reader sees the previous checkpoint or this one, never a mix. No fsync
 * by default: checkpoints come every epoch and cached epochs take milliseconds; a checkpoint
 * torn by power loss is detected on read (truncated data) and refused, never used.
 */
export async function writeCheckpoint(file: string, ckpt: TrainCheckpoint, opts: { fsync?: boolean } = {}): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(ckpt), { fsync: opts.fsync ?? false });
}

export async function readCheckpoint(file: string): Promise<TrainCheckpoint> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch (err) {
    throw new UsageError(
      `cannot read the checkpoint ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'Pass the run directory of an interrupted run to --resume.',
    );
  }
  return decodeCheckpoint(buf, file);
}

/** Refuses a checkpoint written by a run with other settings or data (the one place this is checked). */
export function checkResumable(resume: TrainCheckpoint | null, runKey: string): void {
  if (resume && resume.runKey !== runKey) {
    throw new UsageError(
      'the checkpoint belongs to a run with different settings or data',
      'Resume with exactly the flags and data of the interrupted run, or start a new run.',
    );
  }
}
