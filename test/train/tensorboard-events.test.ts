// The TensorBoard event files of a real `tl transfer --tensorboard` run parse as TFRecords (both
// CRC32C checks per record) holding Event protos, and their scalar curves equal history.csv.
// The reader below is written from the formats' definitions (TFRecord framing, protobuf wire format).
import * as fs from 'fs';
import * as path from 'path';
import { parseHistoryCsv } from '../../src/models';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/colour-run';

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** TFRecord stores CRCs masked: rotate right by 15, add a constant. */
const masked = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** Splits a TFRecord file into record payloads, checking both CRCs of each; throws on damage. */
export function readTfRecords(buf: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new Error(`truncated record header at byte ${at}`);
    const header = buf.subarray(at, at + 8);
    if (buf.readUInt32LE(at + 8) !== masked(crc32c(header))) throw new Error(`length CRC mismatch at byte ${at}`);
    const length = Number(buf.readBigUInt64LE(at));
    const data = buf.subarray(at + 12, at + 12 + length);
    if (data.length !== length || at + 16 + length > buf.length) throw new Error(`truncated record at byte ${at}`);
    if (buf.readUInt32LE(at + 12 + length) !== masked(crc32c(data))) throw new Error(`data CRC mismatch at byte ${at}`);
    records.push(Buffer.from(data));
    at += 16 + length;
  }
  return records;
}

type Field = { no: number; wire: number; varint?: bigint; bytes?: Buffer; fixed?: Buffer };
/** One level of protobuf wire format: field number, wire type and raw value. */
function protoFields(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[at++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const f: Field = { no: key >>> 3, wire: key & 7 };
    if (f.wire === 0) f.varint = varint();
    else if (f.wire === 1) (f.fixed = buf.subarray(at, at + 8)), (at += 8);
    else if (f.wire === 5) (f.fixed = buf.subarray(at, at + 4)), (at += 4);
    else if (f.wire === 2) {
      const n = Number(varint());
      f.bytes = buf.subarray(at, at + n);
      at += n;
    } else throw new Error(`unsupported wire type ${f.wire}`);
    fields.push(f);
  }
  return fields;
}

/** A scalar from Summary.Value: simple_value (2), or a TensorProto (8) with float_val (5) or tensor_content (4). */
function scalarOf(value: Field[]): number | undefined {
  const simple = value.find((f) => f.no === 2 && f.wire === 5);
  if (simple) return simple.fixed!.readFloatLE(0);
  const tensor = value.find((f) => f.no === 8)?.bytes;
  if (!tensor) return undefined;
  const t = protoFields(tensor);
  const dtype = Number(t.find((f) => f.no === 1)?.varint ?? 1n); // 1 float, 2 double
  const content = t.find((f) => f.no === 4)?.bytes;
  if (content) return dtype === 2 ? content.readDoubleLE(0) : content.readFloatLE(0);
  const floatVal = t.find((f) => f.no === 5);
  if (floatVal) return floatVal.bytes ? floatVal.bytes.readFloatLE(0) : floatVal.fixed!.readFloatLE(0);
  const doubleVal = t.find((f) => f.no === 6);
  if (doubleVal) return doubleVal.bytes ? doubleVal.bytes.readDoubleLE(0) : doubleVal.fixed!.readDoubleLE(0);
  return undefined;
}

/** tag -> [step, value] in file order, from every Event (summary = field 5) of a log folder. */
function scalarsIn(dir: string): { fileVersion?: string; curves: Map<string, [number, number][]> } {
  const curves = new Map<string, [number, number][]>();
  let fileVersion: string | undefined;
  for (const name of fs.readdirSync(dir).filter((n) => n.startsWith('events.out.tfevents')).sort()) {
    for (const record of readTfRecords(fs.readFileSync(path.join(dir, name)))) {
      const event = protoFields(record);
      const step = Number(event.find((f) => f.no === 2)?.varint ?? 0n);
      fileVersion ??= event.find((f) => f.no === 3)?.bytes?.toString('utf8');
      const summary = event.find((f) => f.no === 5)?.bytes;
      if (!summary) continue;
      for (const v of protoFields(summary).filter((f) => f.no === 1)) {
        const value = protoFields(v.bytes!);
        const tag = value.find((f) => f.no === 1)?.bytes?.toString('utf8');
        const x = scalarOf(value);
        if (tag === undefined || x === undefined) throw new Error(`a summary value without tag or scalar in ${name}`);
        curves.set(tag, [...(curves.get(tag) ?? []), [step, x]]);
      }
    }
  }
  return { fileVersion, curves };
}

test('the reader itself: CRCs are checked, so a flipped byte is refused', () => {
  const payload = Buffer.from('hello');
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(payload.length));
  const rec = Buffer.concat([header, u32(masked(crc32c(header))), payload, u32(masked(crc32c(payload)))]);
  expect(readTfRecords(rec).map(String)).toEqual(['hello']);
  // Known CRC-32C check value ("123456789" -> 0xE3069283).
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  const bad = Buffer.from(rec);
  bad[13] ^= 1;
  expect(() => readTfRecords(bad)).toThrow(/data CRC mismatch/);
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

// Held-out splits of a few dozen images instead of 10% of the classes (as test/readme.test.ts does).
const SMALL_SPLITS = ['--val-split', '0.01', '--test-split', '0.003'];

test('a transfer run with --tensorboard: event files parse and their curves equal history.csv', async () => {
  const work = tempDir('tb-events');
  try {
    const source = path.join(work, 'source');
    const run = path.join(work, 'run');
    const logs = path.join(work, 'tb');
    const pre = await runCli(['pretrain', '--data', 'fashion-mnist:0-1', '--limit-per-class', '10', '--epochs', '1', ...SMALL_SPLITS, '--out', source]);
    expect(pre.code).toBe(0);
    const tr = await runCli(['transfer', '--base', source, '--data', 'fashion-mnist:2-3', '--limit-per-class', '10', '--epochs', '3', '--fine-tune-epochs', '2', '--patience', '100', ...SMALL_SPLITS, '--tensorboard', logs, '--out', run]);
    expect(tr.code).toBe(0);
    const history = parseHistoryCsv(fs.readFileSync(path.join(run, 'history.csv'), 'utf8'));
    expect(history.map((h) => h.phase)).toEqual([1, 1, 1, 2, 2]);

    const train = scalarsIn(path.join(logs, 'train'));
    const validation = scalarsIn(path.join(logs, 'validation'));
    expect(train.fileVersion).toMatch(/^brain\.Event:\d/);
    const steps = (c: [number, number][] | undefined) => (c ?? []).map(([s]) => s);
    const values = (c: [number, number][] | undefined) => (c ?? []).map(([, v]) => v);
    // One point per history row, at consecutive steps, in order.
    const expectedSteps = steps(train.curves.get('epoch_loss'));
    expect(expectedSteps).toHaveLength(history.length);
    expect(expectedSteps.every((s, i) => i === 0 || s === expectedSteps[i - 1] + 1)).toBe(true);
    // float32 in the events vs the CSV's printed numbers.
    const close = (got: number[], want: number[]) => {
      expect(got).toHaveLength(want.length);
      got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]))));
    };
    close(values(train.curves.get('epoch_loss')), history.map((h) => h.loss));
    close(values(train.curves.get('epoch_accuracy')), history.map((h) => h.accuracy));
    close(values(train.curves.get('epoch_learning_rate')), history.map((h) => h.lr));
    close(values(train.curves.get('phase')), history.map((h) => h.phase));
    close(values(validation.curves.get('epoch_loss')), history.map((h) => h.valLoss!));
    close(values(validation.curves.get('epoch_accuracy')), history.map((h) => h.valAccuracy!));
    expect(steps(validation.curves.get('epoch_loss'))).toEqual(expectedSteps);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 300_000);
