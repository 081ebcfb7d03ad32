// tl loads TensorFlow with its BFC CPU allocator unless the user chose otherwise, and the
// allocator is really in effect: read back through page faults, not wall-clock time.
// @tl-own-tfjs (this file loads TensorFlow in child processes only)
import { spawnSync } from 'child_process';
import * as path from 'path';
import { tensorFlowEnv } from '../../src/native/tf-env';

const root = path.join(__dirname, '..', '..');

test('tl sets TF_CPU_ALLOCATOR_USE_BFC=true, and keeps a value the user set', () => {
  const fresh: NodeJS.ProcessEnv = {};
  expect(tensorFlowEnv(fresh, false)).toEqual({ allocator: 'bfc', source: 'tl', value: 'true' });
  expect(fresh.TF_CPU_ALLOCATOR_USE_BFC).toBe('true');
  const verbose: NodeJS.ProcessEnv = {};
  expect(tensorFlowEnv(verbose, true).allocator).toBe('bfc');
  expect(verbose.TF_CPP_MIN_LOG_LEVEL).toBeUndefined();
  // --verbose shows logs but computes the same: oneDNN stays off either way unless the user turns it on.
  expect([fresh.TF_ENABLE_ONEDNN_OPTS, verbose.TF_ENABLE_ONEDNN_OPTS]).toEqual(['0', '0']);
  const oneDnn: NodeJS.ProcessEnv = { TF_ENABLE_ONEDNN_OPTS: '1' };
  tensorFlowEnv(oneDnn, true);
  expect(oneDnn.TF_ENABLE_ONEDNN_OPTS).toBe('1');
  const user: NodeJS.ProcessEnv = { TF_CPU_ALLOCATOR_USE_BFC: 'false' };
  expect(tensorFlowEnv(user, false)).toEqual({ allocator: 'default', source: 'user', value: 'false' });
  expect(user.TF_CPU_ALLOCATOR_USE_BFC).toBe('false');
});

/**
 * Loads TensorFlow through tl's loader in a child, then adds 1 to an 8x112x112x96 tensor ten
 * times. The default allocator maps a fresh 38 MB output every time, page-faulting each of its
 * ~9,400 pages (94,000 faults for ten ops); BFC hands back the freed buffer, so almost none.
 */
function faultsForTenAdds(env: NodeJS.ProcessEnv): number {
  const script = `
    const { loadTf } = require(${JSON.stringify(path.join(root, 'dist', 'native', 'load.js'))});
    const tf = loadTf();
    const x = tf.ones([8, 112, 112, 96]);
    x.add(1).dispose();
    const before = process.resourceUsage().minorPageFault;
    for (let i = 0; i < 10; i++) x.add(1).dispose();
    process.stdout.write('FAULTS ' + (process.resourceUsage().minorPageFault - before) + '\\n');`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env, timeout: 300_000 });
  const m = /FAULTS (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`probe failed (exit ${r.status}): ${r.stderr}`);
  return Number(m[1]);
}

test('the BFC allocator is in effect: repeated large ops reuse memory instead of faulting it in', () => {
  const base = { ...process.env };
  delete base.TF_CPU_ALLOCATOR_USE_BFC;
  const pagesPerOutput = (8 * 112 * 112 * 96 * 4) / 4096;
  const withTlDefault = faultsForTenAdds(base);
  const withDefaultAllocator = faultsForTenAdds({ ...base, TF_CPU_ALLOCATOR_USE_BFC: 'false' });
  // The peer measured in the same test: the default allocator faults in every output page.
  expect(withDefaultAllocator).toBeGreaterThan(5 * pagesPerOutput);
  expect(withTlDefault).toBeLessThan(pagesPerOutput);
});
