// The two phases of transfer as plans runPhases can run: phase 1 trains the new head on the
// frozen base's activations; phase 2 unfreezes the top of the base and trains it with the head at
// a lower rate on the activations of the layers still frozen below it. Lengths come from the
// step budget (train/step-budget.ts); activations from the ActivationStore.
import type { LayersModel } from '@tensorflow/tfjs-node';
import type { Example, InputSpec, SkippedFile, AugmentConfig } from '../data';
import { splitAt, splitPointAtOrBelow } from '../models';
import {
  phaseConfig,
  stepBudget,
  FINE_TUNE_RULE,
  HEAD_RULE,
  STREAMED_FINE_TUNE_RULE,
  STREAMED_HEAD_RULE,
  type Auto,
  type OptimizerKind,
  type PhasePlan,
  type ScheduleKind,
} from '../train';
import { ModelError } from '../errors';
import { streamFeed } from './feeds';
import type { ActivationStore, FrozenPart } from './activation-store';

/** The base split for fine-tuning: `lower` stays frozen (its activations cached), `upper` trains. */
export interface FineTuneSplit extends FrozenPart {
  upper: LayersModel;
  /** the first unfrozen layer */
  unfreezeFrom: string;
}

export interface PhaseLengths {
  phase1: ReturnType<typeof stepBudget>;
  phase2: ReturnType<typeof stepBudget>;
}

/** What the phase settings of transfer are made of (a subset of TransferOptions). */
export interface TransferPhaseSettings {
  epochs: Auto<number>;
  fineTuneEpochs: Auto<number>;
  patience: Auto<number>;
  batchSize: number;
  lr: number;
  fineTuneLr?: number;
  optimizer: OptimizerKind;
  schedule: ScheduleKind;
  fineTuneLayers: number;
  unfreezeFrom?: string;
  augment?: AugmentConfig;
}

/** Phase lengths in epochs and patience, from the step budget and the training-set size. */
export function phaseLengths(s: TransferPhaseSettings, trainCount: number): PhaseLengths {
  const common = { patience: s.patience, trainCount, batchSize: s.batchSize };
  return {
    phase1: stepBudget({ ...common, epochs: s.epochs, rule: s.augment ? STREAMED_HEAD_RULE : HEAD_RULE }),
    phase2: stepBudget({ ...common, epochs: s.fineTuneEpochs, rule: s.augment ? STREAMED_FINE_TUNE_RULE : FINE_TUNE_RULE }),
  };
}

/**
 * Where fine-tuning splits the cut base: --unfreeze-from, or the top --fine-tune-layers moved
 * down to the start of a block when they would land inside one (a skip connection crossing).
 */
export function fineTuneSplit(body: LayersModel, s: Pick<TransferPhaseSettings, 'fineTuneLayers' | 'unfreezeFrom'>): FineTuneSplit {
  const topK = Math.max(1, body.layers.length - 1 - s.fineTuneLayers);
  const at = s.unfreezeFrom ?? splitPointAtOrBelow(body, topK) ?? topK;
  const split = splitAt(body, at);
  if (!split.lower) {
    throw new ModelError(`--unfreeze-from ${s.unfreezeFrom ?? at} would unfreeze the whole base`, 'Unfreeze fewer layers (the top 10 by default), so the layers below keep their cached activations.');
  }
  return { model: split.lower, cutName: split.lowerOutputLayer, upper: split.upper, unfreezeFrom: split.boundaryLayer };
}

export interface PlanInputs {
  settings: TransferPhaseSettings;
  lengths: PhaseLengths;
  /** the base cut at its feature layer (frozen in phase 1) */
  body: FrozenPart;
  head: LayersModel;
  fineTune?: FineTuneSplit;
  store: ActivationStore;
  trainExamples: Example[];
  input: InputSpec;
  onSkip?: (file: SkippedFile) => void;
  onWarning?: (message: string) => void;
  onStage?: (message: string) => void;
}

/** Phase 1, and phase 2 when fine-tuning is planned. */
export function transferPhasePlans(p: PlanInputs): PhasePlan[] {
  const { settings: s, store, body, head, fineTune } = p;
  const phase1 = phaseConfig({ epochs: p.lengths.phase1.epochs, optimizer: s.optimizer, lr: s.lr, schedule: s.schedule, patience: p.lengths.phase1.patience });
  const stream = () => streamFeed(p.trainExamples, p.input, s.augment, p.onSkip);
  const plans: PhasePlan[] = [
    {
      phase: 1,
      config: phase1,
      prepare: async () => {
        if (s.augment) {
          p.onWarning?.('augmentation is on: activation caches are bypassed and batches stream through the base every epoch');
          return { chain: { frozen: body.model, head }, train: stream(), val: await store.feed(body, 'val', 'validation') };
        }
        // With fine-tuning ahead, the activations below the unfrozen layers come first, and the
        // cut's are derived from them: one pass through the base serves both phases.
        const derived = fineTune && fineTune.model.outputs[0].shape.length === 4 ? { below: fineTune.cutName, tail: fineTune.upper } : undefined;
        if (derived && fineTune) {
          await store.feed(fineTune, 'train', 'training, below the layers fine-tuning unfreezes');
          await store.feed(fineTune, 'val', 'validation, below the layers fine-tuning unfreezes');
        }
        const train = await store.feed(body, 'train', 'training', derived);
        const val = await store.feed(body, 'val', 'validation', derived);
        const counts = store.countsAt(body.cutName);
        p.onStage?.(`Activations: ${counts.fromCache} from cache, ${counts.computed} computed`);
        return { chain: { head }, train, val };
      },
    },
  ];
  if (!fineTune) return plans;
  plans.push({
    phase: 2,
    // A tenth of phase 1's rate by default, as the TensorFlow tutorial does: the unfrozen weights move gently.
    config: phaseConfig({ epochs: p.lengths.phase2.epochs, optimizer: s.optimizer, lr: s.fineTuneLr ?? s.lr / 10, schedule: s.schedule, patience: p.lengths.phase2.patience }),
    prepare: async () => {
      if (s.augment) return { chain: { frozen: fineTune.model, upper: fineTune.upper, head }, train: stream(), val: await store.feed(fineTune, 'val', 'validation') };
      const train = await store.feed(fineTune, 'train', 'training, below the unfrozen layers');
      const val = await store.feed(fineTune, 'val', 'validation, below the unfrozen layers');
      return { chain: { upper: fineTune.upper, head }, train, val };
    },
  });
  return plans;
}
