// The assess room's public API: will transfer from a base help on a data set? Measured before
// training (input match, data size, linear probes); nothing here prints.
export { assess, defaultAssessOptions, samplePerClass, type AssessHooks } from './assess';
export type { AssessOptions, AssessResult, DataSize, InputMatch, LayerProbe, Verdict } from './types';
export { decideVerdict, inputMatch, dataSize, bestProbe, LIKELY_MARGIN, UNLIKELY_MARGIN } from './conditions';
export { crossValidate, defaultProbeConfig, stratifiedFolds, standardize, type ProbeConfig, type Matrix } from './linear-probe';
