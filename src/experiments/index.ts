// The experiments room: experiment files (tl run) parsed, expanded into runs with stable ids,
// run in order through a caller-supplied executor, and summarised as results files. No printing.
export { OPTIONS, GATES, STEP_KINDS, flagOf, optionSpec, type OptionSpec, type StepKind } from './options';
export { experimentJsonSchema } from './schema';
export { parseExperimentFile, type ExperimentFile, type ExperimentSpec, type OptionValues } from './parse';
export { expandExperiments, matrixCombinations, parseShard, selectShard, withDependencies, canonicalJson, type PlannedRun, type InputFingerprint } from './expand';
export { fingerprintInput } from './inputs';
export { judgeGates, describeVerdict, type RunFigures, type GateVerdict } from './gates';
export { runBatch, readRecord, RUN_RECORD, MODEL_DIR, type StepExecutor, type ExecuteContext, type RunnerEvent } from './runner';
export { resultRow, summarise, describeSummary, resultsCsv, summaryMarkdown, junitXml, type RunRecord, type ResultRow, type ResultsSummary } from './results';
export { RESULT_FILES, baselinesOf, rowsFor, writeResultsFolder, readResultsFolder, mergeRecords } from './folder';
export { readCompareRun, configDifferences, type CompareRun } from './compare-read';
export { comparison, compareHtml, writeComparison, COMPARE_FILES, METRIC_NAMES, type Comparison } from './compare';
export { runParallel, threadsPerJob, type ParallelOptions } from './parallel';
export { gains, gainsMarkdown, type Gain, type GainRow } from './gains';
