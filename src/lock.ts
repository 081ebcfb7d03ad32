// Cross-process locks: a lock file created exclusively (O_EXCL) that holds its owner's PID, host
// and start time. The native set-up waits for one; a training run takes one on its --out and
// refuses to start when another live process holds it. A lock whose process is gone is taken over.
import * as fs from 'fs';
import * as os from 'os';

export interface LockOwner {
  pid: number;
  host: string;
  /** When the lock was taken, ms since the epoch. */
  at: number;
}

export interface HeldLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): void;
}

/** Either the lock, or who holds it (undefined when its file cannot be read). */
export type LockAttempt = { held: HeldLock; owner?: undefined } | { held?: undefined; owner: LockOwner | undefined };

/** A lock file with no readable owner is being written right now, unless it is older than this (ms). */
const UNREADABLE_GRACE_MS = 10_000;
/** Rounds of "stale, take it over, try again" before giving up to a racing process. */
const TAKEOVER_ROUNDS = 5;

/** True when `pid` runs on this machine (EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLockOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.at === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}

/** "pid 1234 on host, since 2026-12-01T10:00:00.000Z", for messages. */
export function describeOwner(o: LockOwner | undefined): string {
  return o ? `pid ${o.pid} on ${o.host}, since ${new Date(o.at).toISOString()}` : 'an unknown process';
}

/**
 * Stale: the owner is a dead process on this host, or the lock is older than `staleMs`, or the
 * file has had no readable owner for a while. A live owner on another host is never stale by PID.
 */
function isStale(file: string, staleMs: number | undefined): boolean {
  const owner = readLockOwner(file);
  if (!owner) {
    try {
      return Date.now() - fs.statSync(file).mtimeMs > UNREADABLE_GRACE_MS;
    } catch {
      return false;
    }
  }
  if (staleMs !== undefined && Date.now() - owner.at > staleMs) return true;
  return owner.host === os.hostname() && !processAlive(owner.pid);
}

/** Moves a stale lock out of the way: rename first, so two processes never both remove a fresh one. */
function removeStale(file: string): void {
  const moved = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(file, moved);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // another process took it over first
    throw e;
  }
  fs.rmSync(moved, { recursive: true, force: true });
}

function holdLock(file: string, me: LockOwner): HeldLock {
  const ours = () => {
    const o = readLockOwner(file);
    return o !== undefined && o.pid === me.pid && o.at === me.at && o.host === me.host;
  };
  let released = false;
  // A process.exit (a second Ctrl-C, an uncaught error) skips finally blocks; this does not.
  const onExit = () => {
    if (!released && ours()) fs.rmSync(file, { force: true });
  };
  process.on('exit', onExit);
  return {
    file,
    release() {
      if (released) return;
      process.off('exit', onExit);
      if (ours()) fs.rmSync(file, { force: true });
      released = true;
    },
  };
}

/**
 * Takes the lock at `file` at once or reports its holder; never waits. The folder must exist.
 * A stale lock (see isStale) is taken over.
 */
export function tryLock(file: string, opts: { staleMs?: number } = {}): LockAttempt {
  for (let round = 0; round < TAKEOVER_ROUNDS; round++) {
    const me: LockOwner = { pid: process.pid, host: os.hostname(), at: Date.now() };
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return { held: holdLock(file, me) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (!isStale(file, opts.staleMs)) return { owner: readLockOwner(file) };
    removeStale(file);
  }
  return { owner: readLockOwner(file) };
}

export interface WaitOptions {
  /** Give up after this long (ms). Building the addon takes minutes, so waiting is long. */
  timeoutMs: number;
  /** A lock older than this (ms), or whose process is gone, is taken over. */
  staleMs: number;
  pollMs?: number;
  onWait?: (owner: string) => void;
}

/** Runs fn while holding the lock at `file`, waiting for another holder to finish. */
export async function withLock<T>(file: string, opts: WaitOptions, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  let told = false;
  for (;;) {
    const attempt = tryLock(file, { staleMs: opts.staleMs });
    if (attempt.held) {
      try {
        return await fn();
      } finally {
        attempt.held.release();
      }
    }
    if (Date.now() - start > opts.timeoutMs) {
      throw new Error(`timed out waiting for the lock ${file} held by ${describeOwner(attempt.owner)}; delete it if no tl is running`);
    }
    if (!told && opts.onWait) {
      opts.onWait(attempt.owner ? `pid ${attempt.owner.pid} on ${attempt.owner.host}` : 'another process');
      told = true;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}
