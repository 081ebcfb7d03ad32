// The lock-file primitive shared by the native set-up and training runs: exclusive creation, the
// holder named, a dead holder's lock taken over, and release that never removes another's lock.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processAlive, readLockOwner, tryLock, withLock } from '../../src/lock';

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-lock-'));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

test('the first taker holds it; a second attempt learns the holder; release frees it', () => {
  const file = path.join(work, 'run.lock');
  const first = tryLock(file);
  expect(typeof first.held?.release).toBe('function');
  expect(readLockOwner(file)).toMatchObject({ pid: process.pid, host: os.hostname() });
  const second = tryLock(file);
  expect(second.held).toBeUndefined();
  expect(second.owner?.pid).toBe(process.pid);
  first.held!.release();
  first.held!.release();
  expect(fs.existsSync(file)).toBe(false);
  const third = tryLock(file);
  expect(typeof third.held?.release).toBe('function');
  third.held!.release();
});

test("a dead process's lock is taken over; a lock on another host, or one being written, is not", () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  expect(processAlive(dead)).toBe(false);
  const file = path.join(work, 'run.lock');
  fs.writeFileSync(file, JSON.stringify({ pid: dead, host: os.hostname(), at: Date.now() - 1000 }));
  const taken = tryLock(file);
  expect(typeof taken.held?.release).toBe('function');
  expect(readLockOwner(file)?.pid).toBe(process.pid);
  taken.held!.release();

  fs.writeFileSync(file, JSON.stringify({ pid: dead, host: 'another-machine', at: Date.now() }));
  expect(tryLock(file).owner).toMatchObject({ pid: dead, host: 'another-machine' });
  fs.writeFileSync(file, '');
  expect(tryLock(file)).toEqual({ owner: undefined });
  expect(fs.readFileSync(file, 'utf8')).toBe('');
});

test("release leaves a lock that is no longer this holder's alone", () => {
  const file = path.join(work, 'run.lock');
  const held = tryLock(file).held!;
  const someoneElse = JSON.stringify({ pid: process.pid, host: os.hostname(), at: 1 });
  fs.writeFileSync(file, someoneElse);
  held.release();
  expect(fs.readFileSync(file, 'utf8')).toBe(someoneElse);
});

test('withLock waits for the holder, then runs and releases', async () => {
  const file = path.join(work, 'native.lock');
  const held = tryLock(file).held!;
  const order: string[] = [];
  setTimeout(() => {
    order.push('released');
    held.release();
  }, 100);
  const result = await withLock(file, { timeoutMs: 10_000, staleMs: 60_000, pollMs: 20, onWait: () => order.push('waiting') }, async () => {
    order.push('ran');
    return 42;
  });
  expect(result).toBe(42);
  expect(order).toEqual(['waiting', 'released', 'ran']);
  expect(fs.existsSync(file)).toBe(false);
});

test('a holder that calls process.exit (a second Ctrl-C) still removes its lock; one killed outright leaves it for takeover', () => {
  const file = path.join(work, 'run.lock');
  const holder = (exit: string) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', `require('./src/lock').tryLock(${JSON.stringify(file)}); ${exit}`], { cwd: path.join(__dirname, '..', '..') });
  expect(holder('process.exit(130)').status).toBe(130);
  expect(fs.existsSync(file)).toBe(false);
  const killed = holder("process.kill(process.pid, 'SIGKILL')");
  expect(killed.signal).toBe('SIGKILL');
  expect(readLockOwner(file)?.pid).toBe(killed.pid);
  const taken = tryLock(file);
  expect(typeof taken.held?.release).toBe('function');
  taken.held!.release();
});
