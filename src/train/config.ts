// Default settings of the train room and merging of overrides (nanoGPT style: defaults in
// one place, the effective config is what gets saved beside the result). Pure.
import * as crypto from 'crypto';
import { defaultEarlyStoppingConfig } from './early-stopping';
import { defaultOptimizerConfig } from './optimizer';
import { defaultScheduleConfig } from './schedule';
import type { FitConfig, PhaseConfig } from './types';

export function defaultFitConfig(): FitConfig {
  return { batchSize: 32, seed: 42, labelSmoothing: 0, classWeights: 'none' };
}

/**
 * Phase 1 (new head on the frozen base): adam at 1e-3 for 10 epochs, enough for a few
 * hundred images on cached activations (epochs cost milliseconds there).
 */
export function defaultPhase1Config(): PhaseConfig {
  return {
    epochs: 10,
    optimizer: defaultOptimizerConfig(),
    schedule: defaultScheduleConfig(),
    earlyStopping: defaultEarlyStoppingConfig(),
  };
}

/**
 * Phase 2 (fine-tuning the top of the base): a tenth of phase 1's rate, as the TensorFlow
 * transfer-learning tutorial does, so the unfrozen weights move gently.
 */
export function defaultPhase2Config(phase1: PhaseConfig = defaultPhase1Config()): PhaseConfig {
  return {
    epochs: 5,
    optimizer: { ...phase1.optimizer, learningRate: phase1.optimizer.learningRate / 10 },
    schedule: { ...phase1.schedule },
    earlyStopping: { ...phase1.earlyStopping },
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** Overrides merged into a phase config (nested objects merged, undefined ignored). */
export function mergePhaseConfig(base: PhaseConfig, over: DeepPartial<PhaseConfig> = {}): PhaseConfig {
  const pick = <T extends object>(b: T, o?: Partial<T>): T => {
    const out = { ...b };
    for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    return out;
  };
  return {
    epochs: over.epochs ?? base.epochs,
    optimizer: pick(base.optimizer, over.optimizer),
    schedule: pick(base.schedule, over.schedule),
    earlyStopping: pick(base.earlyStopping, over.earlyStopping),
  };
}

/** A stable fingerprint of anything JSON-able (settings, split assignment) for TrainCheckpoint.runKey. */
export function runKeyOf(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return crypto.createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 32);
}
