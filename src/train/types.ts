// Types of the train room's API: what a phase trains (chain), on what (feeds), with which
// settings, and what it reports (history rows, checkpoints). Types only, no TensorFlow values.
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { Batch } from '../data/types';
import type { ClassWeightSpec } from './class-weights';
import type { EarlyStoppingConfig, EarlyStoppingState } from './early-stopping';
import type { NamedArray, OptimizerConfig, OptimizerState } from './optimizer';
import type { ScheduleConfig } from './schedule';

export type PhaseNumber = 1 | 2;

/**
 * frozen (inference mode, no gradients) -> upper (gets gradients but runs with
 * training:false, so its BatchNormalization layers use and keep their moving statistics)
 * -> head (training:true, so dropout is active). frozen and upper are optional.
 */
export interface TrainableChain {
  frozen?: tfTypes.LayersModel | null;
  upper?: tfTypes.LayersModel | null;
  head: tfTypes.LayersModel;
}

/**
 * Examples held in memory as one float32 array, rows in order. stage 'features' means the
 * rows are already the frozen part's output (cached activations); 'input' means they still
 * go through `frozen` (when there is one).
 */
export interface MemoryFeed {
  kind: 'memory';
  x: Float32Array;
  /** [N, ...row shape], e.g. [100, 576] or [100, 14, 14, 96]. */
  shape: number[];
  y: ArrayLike<number>;
  stage: 'input' | 'features';
}

/** What a stream is told when an epoch opens it; it must shuffle/augment from these seeds. */
export interface StreamContext {
  phase: PhaseNumber;
  /** 1-based epoch within the phase. */
  epoch: number;
  shuffleSeed: number;
  augmentSeed: number;
  batchSize: number;
}

/**
 * Input-level batches decoded on the fly (e.g. with augmentation), passed through `frozen`.
 * `open` must yield batches of `batchSize` rows (the last may be smaller) in an order fixed
 * by the context's seeds, so an interrupted epoch can be replayed exactly on resume.
 */
export interface StreamFeed {
  kind: 'stream';
  /** Number of examples one epoch yields. */
  size: number;
  /** Label of every example (for 'auto' class weights). */
  labels: ArrayLike<number>;
  open: (ctx: StreamContext) => AsyncIterable<Batch>;
}

export type Feed = MemoryFeed | StreamFeed;

/** What one phase trains on: the chain and its feeds (validation optional). */
export interface PhaseSetup {
  chain: TrainableChain;
  train: Feed;
  val?: Feed | null;
}

/** Settings that differ per phase. */
export interface PhaseConfig {
  epochs: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  earlyStopping: EarlyStoppingConfig;
}

/** Settings shared by all phases of a run. */
export interface FitConfig {
  batchSize: number;
  seed: number;
  /** 0..1; applies to the training loss only. */
  labelSmoothing: number;
  classWeights: ClassWeightSpec;
}

/** One row per epoch, as history.csv stores it (phase 1 trains the head, phase 2 fine-tunes). */
export interface HistoryRow {
  phase: PhaseNumber;
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
  seconds: number;
}

export interface BatchEvent {
  phase: PhaseNumber;
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  /** Running means over the epoch so far. */
  loss: number;
  accuracy: number;
  lr: number;
}

export interface EpochEvent {
  /** 1-based count of epochs over all phases (TensorBoard's step). */
  globalEpoch: number;
  epochs: number;
  improved: boolean;
  bestEpoch: number;
  stoppingEarly: boolean;
}

export interface TrainHooks {
  onBatch?: (e: BatchEvent) => void;
  onEpoch?: (row: HistoryRow, e: EpochEvent) => void | Promise<void>;
  /** Called after every epoch and on interruption; write it somewhere durable. */
  onCheckpoint?: (ckpt: TrainCheckpoint) => void | Promise<void>;
  /** Checked after every batch (e.g. a SIGINT flag). */
  shouldStop?: () => boolean;
}

export interface PhaseSummary {
  phase: PhaseNumber;
  epochsPlanned: number;
  epochsRun: number;
  stoppedEarly: boolean;
  /** 1-based epoch within the phase whose weights the phase ended with. */
  bestEpoch: number;
  restoredBest: boolean;
  steps: number;
  seconds: number;
  /** Layers with randomness tl cannot seed (e.g. GaussianNoise): runs are not repeatable. */
  unseededLayers: string[];
}

/** Where a phase is, in plain numbers (JSON-safe). */
export interface PhaseProgress {
  phase: PhaseNumber;
  epochsDone: number;
  /** Steps done in the current, unfinished epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  /** Steps done in the phase (drives the learning-rate schedule). */
  globalStep: number;
  /** Running sums of the unfinished epoch. */
  partial: { lossSum: number; correct: number; seen: number; seconds: number; lr: number } | null;
  earlyStopping: EarlyStoppingState;
}

/** A consistent training state after an epoch (or a batch, when interrupted). */
export interface TrainCheckpoint {
  format: 'tl-train-checkpoint';
  version: 1;
  /** The caller's fingerprint of settings and data; resume refuses a different one. */
  runKey: string;
  progress: PhaseProgress;
  history: HistoryRow[];
  completedPhases: PhaseSummary[];
  /** The phase's trainable weights of `upper`, then all weights of `head`. */
  weights: NamedArray[];
  bestWeights: NamedArray[] | null;
  optimizer: OptimizerState;
}
