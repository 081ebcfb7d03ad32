// Reads an image file's bytes safely: regular files only (a FIFO would block forever, /dev/zero
// never ends) and at most a set number of bytes, so one bad path cannot hang or exhaust memory.
import { promises as fsp, constants as fsc } from 'fs';

/** Why a file was not read, in words for a skip line. */
export class ImageReadRefused extends Error {}

/**
 * Returns the bytes of `file` if it is a regular file (symlinks followed) of at most `maxBytes`.
 * The type is checked with stat before opening, and the file is opened non-blocking, so a named
 * pipe never blocks; the read stops at maxBytes + 1 even if the file grows meanwhile.
 */
export async function readImageFile(file: string, maxBytes: number): Promise<Buffer> {
  const st = await fsp.stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new ImageReadRefused(err.code === 'ENOENT' ? 'no such file (or a dangling symlink)' : `cannot read the file (${err.code ?? err.message})`);
  });
  if (st.isDirectory()) throw new ImageReadRefused('is a directory, not an image file');
  if (!st.isFile()) throw new ImageReadRefused(`is not a regular file (${kindOf(st)}); only regular image files are read`);
  if (st.size > maxBytes) throw new ImageReadRefused(tooLarge(st.size, maxBytes));
  const handle = await fsp.open(file, fsc.O_RDONLY | fsc.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw new ImageReadRefused(`cannot read the file (${err.code ?? err.message})`);
  });
  try {
    // One byte more than allowed tells a file that grew past the limit after stat.
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buf.length) break;
    }
    if (filled > maxBytes) throw new ImageReadRefused(tooLarge(filled, maxBytes));
    return buf.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function kindOf(st: import('fs').Stats): string {
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function tooLarge(size: number, maxBytes: number): string {
  return `is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit per image (raise it with --max-image-bytes)`;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Parses a byte count with an optional K, M or G suffix (powers of 1024); undefined if malformed. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(text);
  if (!m) return undefined;
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * scale);
}
