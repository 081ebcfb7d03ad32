// The rules for paths tl writes, without TensorFlow: kernel file systems and paths below a file
// are refused before any work, protected folders are never replaced, and only a dead writer's
// temporary folders are cleaned (a folder it had moved aside is put back).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkWriteTarget, cleanStaleTemps, parseTempName, protectedRefusal, resolveReal, systemRootOf, tempSiblingPrefix } from '../../src/out-paths';
import { UsageError } from '../../src/errors';

let work: string;
beforeEach(() => {
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tl-out-paths-')));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** A PID that was alive a moment ago and is not any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid;
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('checkWriteTarget', () => {
  test('refuses /proc, /sys and /dev, also through a symbolic link, and creates nothing', () => {
    expect(systemRootOf('/proc/self/newrun')).toBe('/proc');
    expect(systemRootOf('/process')).toBeUndefined();
    for (const p of ['/proc/self/newrun', '/sys/kernel/x', '/dev/shm/run']) {
      expect(usageError(() => checkWriteTarget(p, { flag: '--out', writes: 'sibling' })).message).toMatch(/^--out .* is under \/(proc|sys|dev), a kernel file system/);
    }
    fs.symlinkSync('/proc/self', path.join(work, 'link'));
    const e = usageError(() => checkWriteTarget(path.join(work, 'link', 'run'), { flag: '--report', writes: 'inside' }));
    expect(e.message).toContain('under /proc');
    expect(fs.existsSync('/proc/self/run')).toBe(false);
  });

  test('a path below an existing file is refused, naming the file', () => {
    fs.writeFileSync(path.join(work, 'notes.txt'), 'x');
    const e = usageError(() => checkWriteTarget(path.join(work, 'notes.txt', 'sub', 'deeper'), { flag: '--out', writes: 'sibling' }));
    expect(e.message).toContain(`${path.join(work, 'notes.txt')} is a file, not a folder`);
    expect(e.hint).toContain('--out');
  });

  test('an existing file where a folder is wanted is refused', () => {
    fs.writeFileSync(path.join(work, 'existing.txt'), 'x');
    const e = usageError(() => checkWriteTarget(path.join(work, 'existing.txt'), { flag: '--tensorboard', writes: 'inside' }));
    expect(e.message).toMatch(/^--tensorboard .*existing\.txt is an existing file, not a folder/);
  });

  test('a new path under a writable folder passes, resolved, and nothing is left behind', () => {
    const target = path.join(work, 'runs', 'new', 'deep');
    expect(checkWriteTarget(target, { flag: '--out', writes: 'sibling' })).toBe(target);
    fs.mkdirSync(path.join(work, 'real'));
    fs.symlinkSync(path.join(work, 'real'), path.join(work, 'alias'));
    expect(checkWriteTarget(path.join(work, 'alias', 'run'), { flag: '--out', writes: 'sibling' })).toBe(path.join(work, 'real', 'run'));
    expect(fs.readdirSync(work).sort()).toEqual(['alias', 'real']);
    expect(fs.readdirSync(path.join(work, 'real'))).toEqual([]);
  });

  test('resolveReal resolves the links of the existing part only', () => {
    fs.mkdirSync(path.join(work, 'real'));
    fs.symlinkSync(path.join(work, 'real'), path.join(work, 'alias'));
    expect(resolveReal(path.join(work, 'alias', 'a', 'b'))).toBe(path.join(work, 'real', 'a', 'b'));
  });
});

describe('protectedRefusal', () => {
  const p = { cwd: '/home/u/project', home: '/home/u', data: ['/home/u/project/data/images'] };
  test.each([
    ['/', 'it is the root of the file system'],
    ['/home/u', 'it is your home folder'],
    ['/home', 'it contains your home folder'],
    ['/home/u/project', 'it is the current folder'],
    ['/home/u/project/data/images', 'it is the data (--data /home/u/project/data/images)'],
    ['/home/u/project/data', 'it contains the data (--data /home/u/project/data/images)'],
  ])('%s: %s', (target, why) => {
    expect(protectedRefusal(target, p)).toBe(why);
  });
  test('a run folder beside or inside them is not protected by name', () => {
    expect(protectedRefusal('/home/u/project/runs/a', p)).toBeUndefined();
    expect(protectedRefusal('/home/u/project/data/images-run', p)).toBeUndefined();
  });
});

describe('temporary siblings', () => {
  test('names carry the writer PID; older names without one still parse', () => {
    const prefix = path.basename(tempSiblingPrefix('/x/runs/a'));
    expect(prefix).toBe(`.a.tmp-${process.pid}-`);
    expect(parseTempName(`${prefix}AbC123`)).toEqual({ target: 'a', pid: process.pid, aside: false });
    expect(parseTempName(`${prefix}AbC123-old`)).toEqual({ target: 'a', pid: process.pid, aside: true });
    expect(parseTempName('.my.run.tmp-x1Y2z3')).toEqual({ target: 'my.run', pid: undefined, aside: false });
    for (const other of ['a', '.a.tmp-', '.a.tmp-12-abc', 'a.tmp-123456', '.a.lock']) expect(parseTempName(other)).toBeUndefined();
  });

  test("a dead writer's folders are removed, a live writer's are kept, other names are never touched", () => {
    const dead = deadPid();
    const mk = (name: string) => {
      fs.mkdirSync(path.join(work, name));
      fs.writeFileSync(path.join(work, name, 'weights.bin'), 'w');
    };
    mk(`.a.tmp-${dead}-aaaaaa`);
    mk(`.b.tmp-${process.pid}-bbbbbb`);
    mk(`.b.tmp-${process.pid}-bbbbbb-old`);
    mk('.c.tmp-cccccc'); // from an older tl, fresh: its writer may still be at work
    mk('.d.tmp-dddddd'); // from an older tl, hours old
    const hoursAgo = new Date(Date.now() - 3 * 3600_000);
    fs.utimesSync(path.join(work, '.d.tmp-dddddd'), hoursAgo, hoursAgo);
    mk('notes');
    fs.writeFileSync(path.join(work, `.e.tmp-${dead}-eeeeee`), 'a file, not a folder tl made');
    const r = cleanStaleTemps(work);
    expect(r.removed.sort()).toEqual([path.join(work, `.a.tmp-${dead}-aaaaaa`), path.join(work, '.d.tmp-dddddd')]);
    expect(r.restored).toEqual([]);
    expect(fs.readdirSync(work).sort()).toEqual([`.b.tmp-${process.pid}-bbbbbb`, `.b.tmp-${process.pid}-bbbbbb-old`, '.c.tmp-cccccc', `.e.tmp-${dead}-eeeeee`, 'notes']);
  });

  test('a folder moved aside by a writer killed mid-replace is put back; once replaced, it is removed', () => {
    const dead = deadPid();
    fs.mkdirSync(path.join(work, `.run.tmp-${dead}-zzzzzz-old`));
    fs.writeFileSync(path.join(work, `.run.tmp-${dead}-zzzzzz-old`, 'model.json'), 'previous run');
    fs.mkdirSync(path.join(work, `.run.tmp-${dead}-zzzzzz`));
    const r = cleanStaleTemps(work);
    expect(r.restored).toEqual([path.join(work, 'run')]);
    expect(r.removed).toEqual([path.join(work, `.run.tmp-${dead}-zzzzzz`)]);
    expect(fs.readFileSync(path.join(work, 'run', 'model.json'), 'utf8')).toBe('previous run');
    expect(fs.readdirSync(work)).toEqual(['run']);

    fs.mkdirSync(path.join(work, `.run.tmp-${dead}-yyyyyy-old`));
    expect(cleanStaleTemps(work).removed).toEqual([path.join(work, `.run.tmp-${dead}-yyyyyy-old`)]);
    expect(fs.readdirSync(work)).toEqual(['run']);
  });
});
