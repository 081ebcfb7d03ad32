// Learning-rate schedules as pure functions of the step: constant and cosine, with optional warm-up.
// Not tied to any optimizer; the loop asks for the rate before every step.

export type ScheduleKind = 'constant' | 'cosine';

export interface ScheduleConfig {
  kind: ScheduleKind;
  /** Linear warm-up from 0 to the base rate over this many epochs (fractions allowed). 0 = off. */
  warmupEpochs: number;
  /** Cosine only: the rate at the last step, as a fraction of the base rate. */
  finalFraction: number;
}

export function defaultScheduleConfig(): ScheduleConfig {
  return { kind: 'constant', warmupEpochs: 0, finalFraction: 0 };
}

/**
 * The learning rate for step `step` (0-based, counted over the whole phase) of `totalSteps`.
 * Warm-up ramps linearly so the first step already moves (rate * 1/warmupSteps), then the
 * schedule runs over the remaining steps; cosine reaches base*finalFraction on the last step.
 */
export function learningRateAt(
  step: number,
  totalSteps: number,
  baseRate: number,
  cfg: ScheduleConfig,
  stepsPerEpoch: number,
): number {
  const warmupSteps = Math.max(0, Math.round(cfg.warmupEpochs * stepsPerEpoch));
  if (step < warmupSteps) return (baseRate * (step + 1)) / warmupSteps;
  if (cfg.kind === 'constant') return baseRate;
  const decaySteps = Math.max(1, totalSteps - warmupSteps - 1);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  const floor = baseRate * cfg.finalFraction;
  return floor + 0.5 * (baseRate - floor) * (1 + Math.cos(Math.PI * progress));
}
