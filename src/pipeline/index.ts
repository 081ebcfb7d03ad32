// The pipeline room's API: the three run verbs (pretrain, transfer, evaluate), their options and events.
export { pretrain, defaultPretrainOptions } from './pretrain';
export type { PretrainOptions, PretrainResult } from './pretrain';
export { transfer, defaultTransferOptions } from './transfer';
export { checkpointPath } from './run-checkpoint';
export type { TransferOptions, TransferResult } from './transfer';
export type { RunMetrics, RunHooks } from './run-skeleton';
export type { PipelineEvent, PipelineListener } from './events';
export { evaluateRun, defaultEvaluateRunConfig } from './evaluate';
export type { EvaluateRunConfig, EvaluateRunOptions, EvaluateRunResult } from './evaluate';
