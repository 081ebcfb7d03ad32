// Gathers what `tl doctor` shows: backend, versions, provenance, threads, sharp, cache size.
import * as os from 'os';
import type { Output } from './output';
import { requireTf } from './native';

export interface DoctorReport {
  backend: string;
  tensorflowVersion: string;
  nativeSource: string;
  nativeOrigin?: string;
  tfjsVersion: string;
  tfjsNodeVersion: string;
  cpus: number;
  threads: { intraOp: string; interOp: string; source: string };
  /** TensorFlow's CPU allocator, as this process loaded it (TF_CPU_ALLOCATOR_USE_BFC). */
  allocator: { kind: 'bfc' | 'default'; source: string; value: string };
  sharpVersion: string;
  libvipsVersion: string;
  sharpConcurrency: number;
  cacheDir: string;
  cacheBytes: number;
  node: string;
  platform: string;
}

export async function collectDoctorReport(out: Output): Promise<DoctorReport> {
  const { tf } = await requireTf(out);
  const native = await import('../native');
  const { cacheRoot } = await import('../cache-dir');
  const sharp = (await import('sharp')).default;
  const stamp = native.readStamp(native.tfjsNodeLayout());
  const cpus = os.cpus().length;
  // TensorFlow sizes both pools from the core count unless these variables say otherwise.
  const intra = process.env.TF_NUM_INTRAOP_THREADS;
  const inter = process.env.TF_NUM_INTEROP_THREADS;
  const root = cacheRoot();
  return {
    backend: tf.getBackend(),
    tensorflowVersion: native.tensorflowVersion(tf),
    nativeSource: stamp?.source ?? 'official',
    nativeOrigin: stamp?.origin,
    tfjsVersion: tf.version.tfjs,
    tfjsNodeVersion: tf.version['tfjs-node'],
    cpus,
    threads: {
      intraOp: intra ?? String(cpus),
      interOp: inter ?? String(cpus),
      source: intra || inter ? 'TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS' : 'TensorFlow default (one per core)',
    },
    allocator: allocatorReport(native.loadedAllocator()),
    sharpVersion: sharp.versions.sharp ?? 'unknown',
    libvipsVersion: sharp.versions.vips,
    sharpConcurrency: sharp.concurrency(),
    cacheDir: root,
    cacheBytes: native.dirSize(root),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

function allocatorReport(a: import('../native').AllocatorSetting | undefined): DoctorReport['allocator'] {
  if (!a) return { kind: 'default', source: 'unknown (TensorFlow was loaded outside tl)', value: process.env.TF_CPU_ALLOCATOR_USE_BFC ?? '' };
  const source = a.source === 'tl' ? "tl's default" : 'your TF_CPU_ALLOCATOR_USE_BFC';
  return { kind: a.allocator, source, value: a.value };
}
