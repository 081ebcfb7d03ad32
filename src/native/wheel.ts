// Getting TensorFlow's C library out of a tensorflow-cpu wheel: download it through the
// user's pip configuration, then stream only the libraries and C headers out of the zip.
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import * as yauzl from 'yauzl';

/** The wheel whose C API tfjs-node 4.22's binding was verified against on this project's machines. */
export const PINNED_TENSORFLOW_VERSION = '2.21.0';
export const PINNED_WHEEL_REQUIREMENT = `tensorflow-cpu==${PINNED_TENSORFLOW_VERSION}`;

export type ProgressFn = (e: { stage: 'download' | 'extract' | 'compile' | 'restore'; done: number; total: number; unit: 'bytes' | 'steps' }) => void;
export type LogFn = (line: string) => void;

/** Header trees the addon's sources reach (c_api.h pulls in xla/tsl and core/platform headers). */
const HEADER_PREFIXES = ['tensorflow/include/tensorflow/c/', 'tensorflow/include/tensorflow/core/platform/', 'tensorflow/include/xla/', 'tensorflow/include/tsl/'];
const LIBRARY_NAMES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];

/** Maps a wheel entry to where it goes in the staging dir, or undefined to skip it. Pure. */
export function wheelEntryTarget(entryName: string): string | undefined {
  if (entryName.endsWith('/')) return undefined;
  const base = entryName.split('/').pop()!;
  if (entryName === `tensorflow/${base}` && LIBRARY_NAMES.includes(base)) return path.join('lib', base);
  if (HEADER_PREFIXES.some((p) => entryName.startsWith(p))) {
    return path.join('include', entryName.slice('tensorflow/include/'.length));
  }
  return undefined;
}

/** Reads the version from a wheel file name: tensorflow_cpu-2.21.0-cp311-... -> 2.21.0. */
export function wheelVersion(file: string): string | undefined {
  const m = /^tensorflow(?:_cpu)?-([0-9][^-]*)-/.exec(path.basename(file));
  return m?.[1];
}

/**
 * Extracts the C libraries and headers of a wheel into stagingDir/lib and stagingDir/include.
 * Throws if the wheel lacks either library (not a TensorFlow wheel, or a truncated file).
 */
export async function extractWheel(wheelPath: string, stagingDir: string, onProgress?: ProgressFn): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(wheelPath, { lazyEntries: true, autoClose: true }, (err, z) => (err || !z ? reject(err ?? new Error('cannot open')) : resolve(z))),
  );
  const wanted: { entry: yauzl.Entry; target: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const target = wheelEntryTarget(entry.fileName);
      if (target) wanted.push({ entry, target });
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  const libs = wanted.filter((w) => w.target.startsWith('lib'));
  if (libs.length !== LIBRARY_NAMES.length) {
    zip.close();
    throw new Error(`${wheelPath} does not contain ${LIBRARY_NAMES.join(' and ')}: not a TensorFlow 2.x Linux wheel?`);
  }
  const total = wanted.reduce((s, w) => s + w.entry.uncompressedSize, 0);
  let done = 0;
  // Reopen for reading: with lazyEntries the central directory was walked once already.
  const reader = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(wheelPath, { lazyEntries: true, autoClose: false }, (err, z) => (err || !z ? reject(err ?? new Error('cannot open')) : resolve(z))),
  );
  zip.close();
  try {
    for (const { entry, target } of wanted) {
      const dest = path.join(stagingDir, target);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      await new Promise<void>((resolve, reject) => {
        reader.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err ?? new Error(`cannot read ${entry.fileName}`));
          const out = fs.createWriteStream(dest);
          stream.on('data', (chunk: Buffer) => {
            done += chunk.length;
            onProgress?.({ stage: 'extract', done, total, unit: 'bytes' });
          });
          stream.on('error', reject);
          out.on('error', reject);
          out.on('finish', () => resolve());
          stream.pipe(out);
        });
      });
    }
  } finally {
    reader.close();
  }
}

/** Runs a command, streaming its output lines to log; resolves with the exit code. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; log?: LogFn; timeoutMs?: number },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    let child;
    try {
      child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: 127, output: (e as Error).message });
      return;
    }
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          output += `\n(timed out after ${Math.round(opts.timeoutMs! / 1000)} s)`;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    const onData = (d: Buffer) => {
      const text = d.toString();
      output += text;
      if (output.length > 200_000) output = output.slice(-100_000);
      for (const line of text.split(/\r?\n|\r/)) if (line.trim()) opts.log?.(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      resolve({ code: 127, output: output + e.message });
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

/**
 * Downloads the pinned wheel with pip into destDir and returns its path. Uses whatever pip the
 * user has (pip3, pip, python3 -m pip), so their index, proxy and certificate settings apply.
 */
export async function pipDownloadWheel(destDir: string, log?: LogFn): Promise<string> {
  const attempts: [string, string[]][] = [
    ['python3', ['-m', 'pip']],
    ['pip3', []],
    ['pip', []],
  ];
  const failures: string[] = [];
  for (const [cmd, pre] of attempts) {
    const args = [...pre, 'download', '--no-deps', '--only-binary=:all:', '--progress-bar', 'off', '-d', destDir, PINNED_WHEEL_REQUIREMENT];
    const r = await runCommand(cmd, args, { log });
    if (r.code === 127 || /No module named pip/.test(r.output)) {
      failures.push(`${cmd}: not available`);
      continue;
    }
    if (r.code !== 0) {
      const last = r.output.trim().split('\n').slice(-2).join(' ').slice(0, 300);
      throw new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.code}): ${last}`);
    }
    const wheel = fs.readdirSync(destDir).find((f) => f.endsWith('.whl') && wheelVersion(f) === PINNED_TENSORFLOW_VERSION);
    if (!wheel) throw new Error(`pip reported success but no ${PINNED_WHEEL_REQUIREMENT} wheel is in ${destDir}`);
    return path.join(destDir, wheel);
  }
  throw new Error(`no pip found (${failures.join('; ')})`);
}
