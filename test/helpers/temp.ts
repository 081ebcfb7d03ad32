// Temporary folders for tests: one per test file or case, under the OS temp dir, removed by the test.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A new empty folder named tl-<prefix>-XXXXXX in the OS temp dir. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tl-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
