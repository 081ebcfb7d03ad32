// The activations a transfer run computes below its trained layers, per cut point and split:
// read from the disk cache (keyed by baseCacheIdentity, the cut and the input), computed where
// missing, and kept in memory for the rest of the run, so each image passes through the base once
// and the final measurement reuses what training used. Counts of cached and computed rows are
// kept per cut point.
import type { LayersModel } from '@tensorflow/tfjs-node';
import { batches, type Example, type InputSpec, type SkippedFile } from '../data';
import { describeInferenceBatch, inferenceBatchSize } from '../models';
import { activationBatches, computeActivations, type ActivationResult, type MemoryFeed } from '../train';

export type SplitPart = 'train' | 'val' | 'test';

/** A frozen part of the base: `model` maps images to the activations at `cutName`. */
export interface FrozenPart {
  model: LayersModel;
  cutName: string;
}

/**
 * Where a part's activations can come from instead of pixels: the activations of a lower cut
 * (`below`) run through `tail`, the layers between the two cuts. One pass through the base then
 * fills both cut points.
 */
export interface DerivedFrom {
  below: string;
  tail: LayersModel;
}

export interface ActivationStoreOptions {
  /** baseCacheIdentity of the resolved base */
  baseIdentity: string;
  input: InputSpec;
  useCache: boolean;
  examples: Record<SplitPart, Example[]>;
  onProgress?: (stage: string, done: number, total: number) => void;
  onSkip?: (file: SkippedFile) => void;
  onWarning?: (message: string) => void;
  /** told the batch size each pass through a frozen part runs at */
  onDetail?: (message: string) => void;
  shouldStop?: () => boolean;
  /** turns an interruption outside training into the run's checkpoint error */
  onStopped?: (err: unknown) => never;
}

type Rows = Pick<ActivationResult<Example>, 'features' | 'shape' | 'kept'>;

export interface ActivationCounts {
  fromCache: number;
  computed: number;
}

export class ActivationStore {
  private readonly rows = new Map<string, Rows>();
  private readonly counts = new Map<string, ActivationCounts>();

  constructor(private readonly opts: ActivationStoreOptions) {}

  /**
   * The activations of `part` for one split as a training feed. `label` names the pass in
   * progress lines; with `from`, images run from the lower cut's activations, which must be there.
   */
  async feed(part: FrozenPart, split: SplitPart, label: string, from?: DerivedFrom): Promise<MemoryFeed> {
    const known = this.rows.get(key(part.cutName, split));
    if (known) return feedOf(known);
    const below = from ? this.rows.get(key(from.below, split)) : undefined;
    if (from && !below) throw new Error(`internal: activations at ${from.below} for ${split} are not computed yet`);
    const { input, onSkip } = this.opts;
    const model = below && from ? from.tail : part.model;
    // Sized for the whole part even when only its tail runs: rows derived from a lower cut then
    // equal a pass from pixels bit for bit (the batch size changes the kernels' summation order).
    const batch = inferenceBatchSize(part.model);
    const batchSize = batch.batchSize;
    this.opts.onDetail?.(`activations at ${part.cutName} (${label}): inference batch ${describeInferenceBatch(batch)}`);
    const r = await computeActivations(
      model,
      this.opts.examples[split],
      (missing) => (below ? activationBatches(below, batchSize, missing) : batches(missing, input, { batchSize, onSkip })),
      { base: this.opts.baseIdentity, cutLayer: part.cutName, input },
      {
        useCache: this.opts.useCache,
        fingerprintModel: part.model,
        onProgress: (e) => this.opts.onProgress?.(`Base activations (${label})`, e.done, e.total),
        shouldStop: this.opts.shouldStop,
        onWarning: this.opts.onWarning,
      },
    ).catch((err) => (this.opts.onStopped ? this.opts.onStopped(err) : Promise.reject(err)));
    const tally = this.countsAt(part.cutName);
    tally.fromCache += r.fromCache;
    tally.computed += r.computed;
    this.rows.set(key(part.cutName, split), r);
    return feedOf(r);
  }

  /** Rows read from the cache and computed so far at one cut point. */
  countsAt(cutName: string): ActivationCounts {
    let c = this.counts.get(cutName);
    if (!c) this.counts.set(cutName, (c = { fromCache: 0, computed: 0 }));
    return c;
  }
}

function key(cutName: string, split: SplitPart): string {
  return `${cutName}|${split}`;
}

function feedOf(rows: Rows): MemoryFeed {
  return { kind: 'memory', x: rows.features, shape: rows.shape, y: rows.kept.map((e) => e.label), stage: 'features' };
}
