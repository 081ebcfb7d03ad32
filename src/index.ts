// tl as a library: what scripts import to pretrain, transfer, evaluate and read data without the CLI.
// Nothing here prints or exits; progress arrives through the onEvent callbacks, failures as typed errors.
export { pretrain, defaultPretrainOptions, transfer, defaultTransferOptions, evaluateRun, defaultEvaluateRunConfig } from './pipeline';
export type { PretrainOptions, PretrainResult, TransferOptions, TransferResult, RunMetrics, PipelineEvent, PipelineListener } from './pipeline';
export type { EvaluateRunOptions, EvaluateRunResult } from './pipeline';
export { evaluateModel, predictBatches, checkThresholds } from './evaluate';
export { loadDataset, examplesOf, batches, inspectData } from './data';
export { resolveBase, cutAt, buildHead, readRunDirectory, listZoo } from './models';
export { ensureNativeBackend, loadTf } from './native';
export { TlError, UsageError, DataError, ModelError, NativeBackendError, InterruptedError, ThresholdError } from './errors';
