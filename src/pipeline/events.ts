// Events the pipelines report while they run; the CLI renders them (bars, lines, JSON).
import type { BatchEvent, EpochEvent, HistoryRow, PhaseConfig, PhaseNumber } from '../train';
import type { SkippedFile } from '../data';

export type PipelineEvent =
  | { type: 'stage'; message: string }
  | { type: 'progress'; stage: string; done: number; total: number }
  | { type: 'phase'; phase: PhaseNumber; phases: number; title: string; config: PhaseConfig; resumed: boolean }
  | { type: 'batch'; event: BatchEvent }
  | { type: 'epoch'; row: HistoryRow; event: EpochEvent }
  | { type: 'skip'; file: SkippedFile }
  | { type: 'warning'; message: string }
  /** a detail worth a line with --verbose only (e.g. the inference batch size chosen) */
  | { type: 'detail'; message: string };

export type PipelineListener = (e: PipelineEvent) => void;
