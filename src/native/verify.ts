// Proves the native backend loads, in a child process, so a broken library cannot take the caller down.
import { runCommand } from './wheel';
import { TfjsNodeLayout } from './layout';
import * as path from 'path';

export interface VerifyResult {
  ok: boolean;
  tensorflowVersion?: string;
  error?: string;
}

const PROBE = `
process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
process.env.TF_ENABLE_ONEDNN_OPTS = process.env.TF_ENABLE_ONEDNN_OPTS || '0';
process.env.TF_CPU_ALLOCATOR_USE_BFC = process.env.TF_CPU_ALLOCATOR_USE_BFC || 'true';
const tf = require(process.argv[1]);
const y = tf.tensor([1, 2]).square().dataSync();
if (tf.getBackend() !== 'tensorflow' || y[1] !== 4) throw new Error('backend ' + tf.getBackend());
process.stdout.write('TL_PROBE ' + JSON.stringify({ tf: tf.backend().binding.TF_Version }) + '\\n');
`;

/** Loads tfjs-node in a fresh Node process and runs one op. Generous time-out: mapping the 788 MB
 * library on a busy 2-core machine was seen to take over 2 minutes, and a time-out here sends
 * provisioning on to slower routes. */
export async function verifyNativeBackend(layout: TfjsNodeLayout, timeoutMs = 600_000): Promise<VerifyResult> {
  const r = await runCommand(process.execPath, ['-e', PROBE, path.join(layout.pkgDir)], { timeoutMs });
  const m = /TL_PROBE (.*)/.exec(r.output);
  if (r.code === 0 && m) return { ok: true, tensorflowVersion: (JSON.parse(m[1]) as { tf: string }).tf };
  const firstError = r.output.split('\n').find((l) => /Error|error:|cannot open/.test(l)) ?? r.output.trim().split('\n').pop();
  return { ok: false, error: (firstError ?? `exit ${r.code}`).trim().slice(0, 400) };
}
