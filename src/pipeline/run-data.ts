// A run's data: the dataset read with progress events and refused without validation images,
// counts per split, and the few images the saved model is read back and checked on.
import { examplesOf, loadDataset, type Dataset, type DataOptions, type InputSpec } from '../data';
import { DataError } from '../errors';
import type { PipelineListener } from './events';
import { decodeToMemory } from './feeds';

/** The data with its split; a run needs validation images to pick its best epoch. */
export async function loadRunData(spec: string, opts: DataOptions, onEvent?: PipelineListener): Promise<Dataset> {
  onEvent?.({ type: 'stage', message: `Reading data ${spec}` });
  const ds = await loadDataset(spec, {
    ...opts,
    onProgress: (e) => onEvent?.({ type: 'progress', stage: 'Checking images', done: e.done, total: e.total }),
  });
  for (const s of ds.skipped) onEvent?.({ type: 'skip', file: s });
  if (splitCounts(ds).val === 0) throw new DataError(`no validation images in ${spec}`, 'raise --val-split, or add images');
  return ds;
}

/** Counts per split, for the summary. */
export function splitCounts(ds: Dataset): Record<'train' | 'val' | 'test', number> {
  const c = { train: 0, val: 0, test: 0 };
  for (const e of ds.examples) c[e.split]++;
  return c;
}

/** Images the saved model is read back and checked on: enough to catch a wrong layer or weight. */
const RELOAD_SAMPLE_IMAGES = 8;

/**
 * A few images decoded as the model's input, for writeRunDirectory's reload check: validation
 * images first (test, then training images when a split is empty). Undefined when none decode.
 */
export async function reloadSample(ds: Dataset, input: InputSpec): Promise<{ x: Float32Array; shape: number[] } | undefined> {
  const pool = [...examplesOf(ds, 'val'), ...examplesOf(ds, 'test'), ...examplesOf(ds, 'train')];
  // Twice the sample size, so a few unreadable files still leave a full sample.
  const decoded = await decodeToMemory(pool.slice(0, 2 * RELOAD_SAMPLE_IMAGES), input, { batchSize: 2 * RELOAD_SAMPLE_IMAGES });
  const n = Math.min(RELOAD_SAMPLE_IMAGES, decoded.shape[0]);
  if (n === 0) return undefined;
  const rowShape = decoded.shape.slice(1);
  return { x: decoded.x.slice(0, n * rowShape.reduce((a, d) => a * d, 1)), shape: [n, ...rowShape] };
}
