// A cross-process lock made of an atomic mkdir, so two first runs never build or restore at once.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface LockOptions {
  /** Give up after this long (ms). Building the addon takes minutes, so waiting is long. */
  timeoutMs: number;
  /** A lock older than this (ms), or whose process is gone, is taken over. */
  staleMs: number;
  pollMs?: number;
  onWait?: (owner: string) => void;
}

interface Owner {
  pid: number;
  host: string;
  at: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockDir: string): Owner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(lockDir, 'owner.json'), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

function isStale(lockDir: string, staleMs: number): boolean {
  const owner = readOwner(lockDir);
  if (!owner) {
    // A lock dir without owner file is either being created right now or left by a crash.
    try {
      return Date.now() - fs.statSync(lockDir).mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
  if (Date.now() - owner.at > staleMs) return true;
  return owner.host === os.hostname() && !processAlive(owner.pid);
}

/** Runs fn while holding the lock at lockDir. */
export async function withLock<T>(lockDir: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const start = Date.now();
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() }));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (isStale(lockDir, opts.staleMs)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - start > opts.timeoutMs) {
        throw new Error(`timed out waiting for the lock ${lockDir} held by another tl process; delete it if no tl is running`);
      }
      if (!told && opts.onWait) {
        const o = readOwner(lockDir);
        opts.onWait(o ? `pid ${o.pid} on ${o.host}` : 'another process');
        told = true;
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
