// The train room's public API: training loops on models and batch streams, activation
// caches, checkpoints, schedules. No run-directory formats (models room) and no printing.
export type {
  BatchEvent,
  EpochEvent,
  Feed,
  FitConfig,
  HistoryRow,
  MemoryFeed,
  PhaseConfig,
  PhaseNumber,
  PhaseProgress,
  PhaseSetup,
  PhaseSummary,
  StreamContext,
  StreamFeed,
  TrainableChain,
  TrainCheckpoint,
  TrainHooks,
} from './types';
export { phaseConfig, runKeyOf, type PhaseSettings } from './config';
export { deriveSeed, makeRandom, shuffledOrder } from '../random';
export { defaultScheduleConfig, learningRateAt, type ScheduleConfig, type ScheduleKind } from './schedule';
export { classCounts, resolveClassWeights, type ClassWeightSpec } from './class-weights';
export {
  defaultEarlyStoppingConfig,
  initialEarlyStoppingState,
  updateEarlyStopping,
  type EarlyStoppingConfig,
  type EarlyStoppingState,
} from './early-stopping';
export {
  OPTIMIZER_KINDS,
  defaultOptimizerConfig,
  validateOptimizerConfig,
  type NamedArray,
  type OptimizerConfig,
  type OptimizerKind,
  type OptimizerState,
} from './optimizer';
export { trainPhase, type PhaseResult, type PhaseRunOptions } from './loop';
export { evaluateChain } from './epoch-batches';
export { runPhases, type PhasePlan, type RunPhasesOptions, type RunPhasesResult } from './phases';
export { encodeCheckpoint, decodeCheckpoint, writeCheckpoint, readCheckpoint } from './checkpoint';
export { computeActivations, activationBatches, type ActivationOptions, type ActivationResult, type CacheableExample } from './activation-cache';
export { baseCacheIdentity, activationKeyId, modelFingerprint, type ActivationKey } from './activation-key';
export { tensorBoardLogger, type TensorBoardLogger } from './tensorboard';
export { stepBudget, HEAD_RULE, STREAMED_HEAD_RULE, FINE_TUNE_RULE, STREAMED_FINE_TUNE_RULE, SCRATCH_RULE, type Auto, type BudgetRule, type StepBudget } from './step-budget';
export { yieldToEventLoop, stopAsked } from './event-loop';
