// Evaluating a transfer run on the activations its frozen part left in the activation cache:
// the saved model is split where training stopped reaching (the unfrozen block, or the new head),
// the part below is served from the cache keyed exactly as transfer keyed it, and only the
// trained top runs. Images the cache lacks are computed (and cached) as transfer would.
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { Batch, Example, RowBatch } from '../data';
import { findLayer, splitAt, type TlJson } from '../models';
import { activationBatches, baseCacheIdentity, computeActivations, type ActivationKey } from '../train';

export interface FrozenPart {
  /** Input -> the activations transfer cached (the layers no phase trained). */
  lower: tfTypes.LayersModel;
  /** Those activations -> class probabilities (the unfrozen top and the head). */
  upper: tfTypes.LayersModel;
  key: ActivationKey;
}

/** The base identity transfer keyed its caches by, from the run's tl.json (baseCacheIdentity's rule). */
function baseIdentityOf(tl: TlJson): string | undefined {
  const info = tl.baseInfo as { source?: unknown; name?: unknown } | undefined;
  return typeof info?.source === 'string' && typeof info.name === 'string' ? baseCacheIdentity({ source: info.source, name: info.name }) : undefined;
}

/**
 * The frozen part of a transfer run's model, or why there is none to read from the cache: the
 * run is not a transfer (reason undefined: nothing to explain), its tl.json lacks what the cache
 * key needs, or the model does not split there. Either way the caller then runs the whole model
 * on pixels, which gives the same figures, only slower.
 */
export function frozenPartOf(model: tfTypes.LayersModel, tl: TlJson | undefined): { part: FrozenPart } | { part?: undefined; reason?: string } {
  if (!tl || tl.kind !== 'transfer') return {};
  if (typeof tl.cutLayer !== 'string') return { reason: 'tl.json names no cutLayer' };
  const base = baseIdentityOf(tl);
  if (!base) return { reason: 'tl.json has no baseInfo.source and baseInfo.name to key the cache by' };
  const unfreezeFrom = typeof tl.unfreezeFrom === 'string' ? tl.unfreezeFrom : undefined;
  try {
    // Fine-tuned: cached below the first unfrozen layer, named by the layer feeding it.
    // Head only: cached at the pooled features (featureLayer), named by the layer cut at.
    const at = unfreezeFrom ?? findLayer(model, tl.featureLayer).index + 1;
    const split = splitAt(model, at);
    if (!split.lower) return { reason: `the model has no layers below ${unfreezeFrom ?? tl.featureLayer} to serve from the cache` };
    const cutLayer = unfreezeFrom ? split.lowerOutputLayer : tl.cutLayer;
    return { part: { lower: split.lower, upper: split.upper, key: { base, cutLayer, input: tl.input } } };
  } catch (err) {
    return { reason: `the saved model does not split at ${unfreezeFrom ?? tl.featureLayer ?? '?'} (${(err as Error).message})` };
  }
}

/**
 * Activations of `part.lower` for `examples`, from the cache where present, as batches for the
 * upper part. Images the pixel source skips are reported by it and left out.
 */
export async function frozenActivationBatches(
  part: FrozenPart,
  examples: Example[],
  pixelBatches: (missing: Example[]) => AsyncIterable<Batch>,
  opts: { batchSize: number; onProgress?: (done: number, total: number) => void; onWarning?: (message: string) => void },
): Promise<{ batches: AsyncIterable<RowBatch>; fromCache: number; computed: number }> {
  const acts = await computeActivations(part.lower, examples, pixelBatches, part.key, {
    onProgress: (e) => opts.onProgress?.(e.done, e.total),
    onWarning: opts.onWarning,
  });
  return { batches: activationBatches(acts, opts.batchSize), fromCache: acts.fromCache, computed: acts.computed };
}
