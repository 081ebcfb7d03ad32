// A phase's training config from flag-level settings, and the run key that ties a checkpoint
// to its settings and data. Pure.
import * as crypto from 'crypto';
import { canonicalJson } from '../canonical-json';
import { defaultEarlyStoppingConfig } from './early-stopping';
import { defaultOptimizerConfig } from './optimizer';
import { defaultScheduleConfig, type ScheduleKind } from './schedule';
import { UsageError } from '../errors';
import type { FitConfig, PhaseConfig, PhaseNumber } from './types';
import type { OptimizerKind } from './optimizer';

/** What a phase's settings say, in the words of the flags; unset ones take the train room's defaults. */
export interface PhaseSettings {
  epochs: number;
  optimizer?: OptimizerKind;
  lr?: number;
  /** sgd and rmsprop only */
  momentum?: number;
  schedule?: ScheduleKind;
  /** early-stopping patience in epochs; 0 (the default) turns early stopping off */
  patience?: number;
}

/** The PhaseConfig trainPhase takes, from flag-level settings (pretrain, both transfer phases, tests, benches). */
export function phaseConfig(s: PhaseSettings): PhaseConfig {
  const optimizer = defaultOptimizerConfig();
  return {
    epochs: s.epochs,
    optimizer: { kind: s.optimizer ?? optimizer.kind, learningRate: s.lr ?? optimizer.learningRate, momentum: s.momentum ?? optimizer.momentum },
    schedule: { ...defaultScheduleConfig(), ...(s.schedule ? { kind: s.schedule } : {}) },
    earlyStopping: { ...defaultEarlyStoppingConfig(), ...(s.patience !== undefined ? { patience: s.patience } : {}) },
  };
}

/** A stable fingerprint of anything JSON-able (settings, split assignment) for TrainCheckpoint.runKey. */
export function runKeyOf(value: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

/** Refuses fit and phase settings the loop cannot run, naming the flag where there is one. */
export function validatePhaseSettings(phase: PhaseNumber, cfg: PhaseConfig, fit: FitConfig): void {
  if (!(Number.isInteger(fit.batchSize) && fit.batchSize >= 1)) {
    throw new UsageError(`batch size must be a positive integer, got ${fit.batchSize}`, 'Pass e.g. --batch-size 32.');
  }
  if (!(Number.isInteger(cfg.epochs) && cfg.epochs >= 0)) {
    throw new UsageError(`phase ${phase}: epochs must be a whole number >= 0, got ${cfg.epochs}`);
  }
  if (!(fit.labelSmoothing >= 0 && fit.labelSmoothing < 1)) {
    throw new UsageError(`label smoothing must be in [0, 1), got ${fit.labelSmoothing}`, 'Pass e.g. --label-smoothing 0.1.');
  }
}
