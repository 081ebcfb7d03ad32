// The models room's public API: the base-model zoo and its cache, surgery (cut, split, stack,
// freeze), heads, the architectures pretrain builds, and run directories. Other rooms import only this.
export type { BaseInfo, HistoryRow, SavedModelCheck, TlJson, TlSplitInfo } from './types';
export { resolveBase, pullModel, importModel, listZoo, guessFeatureLayer, inferInput } from './resolve';
export type { ResolveOptions, PullResult, ZooListing } from './resolve';
export { cutAt, stackModels, findLayer } from './surgery';
export { splitAt, splitPointAtOrBelow, type SplitModel } from './split-at';
export type { CutResult } from './surgery';
export { buildHead, defaultHeadConfig, HEAD_LAYER_PREFIX } from './head';
export type { HeadConfig } from './head';
export { buildArchitecture, ARCHITECTURES, FEATURE_LAYER } from './architectures';
export type { ArchitectureName, ArchitectureOptions } from './architectures';
export { writeRunDirectory, readRunDirectory, readTlJson } from './run-directory';
export type { RunDirectoryContents, RunDirectoryWriteOptions } from './run-directory';
export { checkOutDir, runDirectoryRefusal, summariseFolder, EVALUATION_DIR, RUN_FILES, type FolderSummary } from './run-files';
export { formatHistoryCsv, parseHistoryCsv } from './history-csv';
export { describeModel, formatModelSummary } from './describe';
export type { LayerSummary, ModelSummary } from './describe';
export { loadZoo, findZooModel, zooModelUrl, ZOO_FILE } from './zoo';
export type { Zoo, ZooModel, ZooAlias, TrainedOn } from './zoo';
export type { ProgressEvent } from './cache';
export { buildInferencePlan, type InferencePlan } from './inference-plan';
export { inferenceBatchSize, describeInferenceBatch, type InferenceBatch } from './inference-batch';
