// Calibration of a classifier's confidence: how often its top-1 answer is right at each
// confidence level, binned, and the expected calibration error over the bins. Pure.
import { argmax, checkLengths, ratio, type ProbabilityRows } from './metrics';

export interface CalibrationBin {
  /** Confidence interval (lower, upper] this bin covers. */
  lower: number;
  upper: number;
  count: number;
  /** Mean top-1 confidence and accuracy in the bin; 0 for an empty bin. */
  confidence: number;
  accuracy: number;
}

export interface Calibration {
  /** Expected calibration error: sum over bins of (count / n) * |accuracy - confidence|. */
  ece: number;
  bins: CalibrationBin[];
}

/**
 * Expected calibration error over `numBins` equal-width bins of top-1 confidence; bin b covers
 * (b/numBins, (b+1)/numBins], and a confidence of exactly 0 falls into the first bin.
 */
export function calibration(yTrue: ArrayLike<number>, probs: ProbabilityRows, numBins = 15): Calibration {
  checkLengths(yTrue, probs, 'probability rows');
  const count = new Array<number>(numBins).fill(0);
  const confSum = new Array<number>(numBins).fill(0);
  const correct = new Array<number>(numBins).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const pred = argmax(probs[i]);
    const conf = probs[i][pred];
    const b = Math.min(numBins - 1, Math.max(0, Math.ceil(conf * numBins) - 1));
    count[b]++;
    confSum[b] += conf;
    if (pred === yTrue[i]) correct[b]++;
  }
  const n = yTrue.length;
  let ece = 0;
  const bins: CalibrationBin[] = count.map((k, b) => {
    const confidence = ratio(confSum[b], k);
    const acc = ratio(correct[b], k);
    if (n > 0) ece += (k / n) * Math.abs(acc - confidence);
    return { lower: b / numBins, upper: (b + 1) / numBins, count: k, confidence, accuracy: acc };
  });
  return { ece, bins };
}
