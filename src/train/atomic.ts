// Writing files so that readers (and concurrent runs) only ever see a complete file:
// write a uniquely named temporary sibling, flush it, then rename it into place.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** A temporary name next to `file`, unique across processes and calls. */
export function tempSibling(file: string): string {
  const dir = path.dirname(file);
  return path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Atomically replaces `file` with `data` (rename is atomic within one file system), so a
 * killed process leaves the old or the new file. `fsync` also survives power loss, at a cost
 * of milliseconds per call.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string, opts: { fsync?: boolean } = {}): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    if (opts.fsync ?? true) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/** Synchronous variant for many small files (activation cache rows); no fsync: a cache may be lost, never torn. */
export function writeFileAtomicSync(file: string, data: Uint8Array): void {
  const tmp = tempSibling(file);
  fs.writeFileSync(tmp, data);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
