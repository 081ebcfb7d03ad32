// The evaluate room's public API: pure classification metrics, the threshold gate, label
// mapping, and running a model over batches (the `tl evaluate` run itself is in pipeline/). Other rooms import from here only.
export type { ProbabilityRows, ClassMetrics, AveragedMetrics, CalibrationBin, Calibration, Mistake, Metrics, MetricsConfig } from './metrics';
export {
  defaultMetricsConfig,
  defaultTopK,
  argmax,
  predictedClasses,
  accuracy,
  crossEntropy,
  topKAccuracy,
  confusionMatrix,
  perClassMetrics,
  averages,
  calibration,
  compareMistakes,
  mostConfidentMistakes,
  computeMetrics,
} from './metrics';
export type { Thresholds, ThresholdCheck, GateResult } from './gate';
export { checkThresholds, describeFailures } from './gate';
export { mapLabelsByName, checkModelShapes } from './labels';
export type { ModelInputImage, PredictedBatch, EvaluateModelOptions, EvaluationRun, TopPrediction } from './runner';
export { predictBatches, evaluateModel, topPredictions } from './runner';
export type { ExpandedInputs } from './inputs';
export { expandInputs, matchGlob, segmentRegExp, hasGlobChars, imagesUnder } from './inputs';
export type { PredictConfig, FilePrediction } from './predict-files';
export { defaultPredictConfig, fileToModelInput, fileBatches, predictFiles } from './predict-files';
