// The three conditions for transfer from a base A to data B, decided from numbers already
// measured: same kind of input, far more data in A than in B, and A's features beating pixels
// and a random copy of A. Pure: no TensorFlow, no files.
import type { InputSpec, Preprocessing } from '../data/types';
import type { TrainedOn } from '../models/zoo';
import type { DataSize, InputMatch, LayerProbe, Verdict } from './types';

/** Probe gain (accuracy, 0..1) over the better baseline from which transfer counts as likely to help. */
export const LIKELY_MARGIN = 0.03;
/** Below this gain the base's features are no better than the baselines. */
export const UNLIKELY_MARGIN = 0.01;
/** Enlarging images more than this much (per side) puts them far from a photo network's domain. */
const FAR_UPSCALE = 4;
/** A base with fewer images per class than this many times the data's is not "far more data". */
const FAR_MORE_DATA = 10;

function describePreprocessing(p: Preprocessing): string {
  switch (p.kind) {
    case 'scale01':
      return 'pixels scaled to 0..1 (x/255)';
    case 'scaleMinus1To1':
      return 'pixels scaled to -1..1 (x/127.5 - 1)';
    case 'meanStd':
      return `per-channel mean/std normalisation (mean ${p.mean.join(', ')}, std ${p.std.join(', ')})`;
  }
}

export function inputMatch(base: InputSpec, data: { height: number; width: number; channels: number } | undefined): InputMatch {
  const preprocessing = describePreprocessing(base.preprocessing);
  if (!data) {
    return { base, channels: 'unknown', preprocessing, warnings: ['the size and colour of the images could not be read; the input condition is unchecked'] };
  }
  const upscale = Math.min(base.height / data.height, base.width / data.width);
  const channels = data.channels === base.channels ? 'same' : data.channels < base.channels ? 'grey into colour' : 'colour into grey';
  const warnings: string[] = [];
  const size = `${data.width}x${data.height} ${data.channels === 1 ? 'grey' : 'colour'}`;
  const baseSize = `${base.width}x${base.height} ${base.channels === 1 ? 'grey' : 'colour'}`;
  if (upscale >= FAR_UPSCALE && channels === 'grey into colour') {
    warnings.push(`${size} images into a ${baseSize} network: enlarged ${upscale.toFixed(1)}x and grey copied to three channels, far from the photos it was trained on`);
  } else {
    if (upscale >= FAR_UPSCALE) warnings.push(`${size} images are enlarged ${upscale.toFixed(1)}x to the base's ${baseSize} input; its filters expect detail at that scale`);
    if (channels === 'grey into colour') warnings.push(`grey images into a colour base: grey is copied to three channels, so colour features go unused`);
    if (channels === 'colour into grey') warnings.push(`colour images into a grey base: colour is lost`);
  }
  if (upscale < 1 / FAR_UPSCALE) warnings.push(`${size} images are shrunk ${(1 / upscale).toFixed(1)}x to ${baseSize}; fine detail is lost`);
  return { base, data, upscale, channels, preprocessing, warnings };
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return 0;
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export function dataSize(trainPerClass: number[], base: TrainedOn | undefined): DataSize {
  const sorted = [...trainPerClass].sort((a, b) => a - b);
  const per = { min: sorted[0] ?? 0, median: median(sorted), max: sorted[sorted.length - 1] ?? 0 };
  const notes: string[] = [];
  const basePer = base?.images && base.classes ? Math.round(base.images / base.classes) : undefined;
  const ratio = basePer !== undefined && per.median > 0 ? basePer / per.median : undefined;
  if (!base) notes.push('what the base was trained on is not recorded (no zoo entry or tl.json says)');
  else if (ratio !== undefined && ratio < FAR_MORE_DATA) {
    notes.push(`the base saw ${basePer} images per class, only ${ratio.toFixed(1)}x your ${per.median}: training from scratch may do as well`);
  }
  if (per.min < 5) notes.push(`a class has only ${per.min} training images: any estimate on it is rough`);
  return { classes: trainPerClass.length, trainPerClass: per, ...(base ? { base: { ...base, ...(basePer !== undefined ? { perClass: basePer } : {}) } } : {}), ...(ratio !== undefined ? { ratio } : {}), notes };
}

/** The probe with the highest accuracy (the first on ties: probes are listed from the default cut down). */
export function bestProbe(probes: LayerProbe[]): LayerProbe {
  if (probes.length === 0) throw new RangeError('no probes');
  return probes.reduce((best, p) => (p.accuracy > best.accuracy ? p : best));
}

const pts = (x: number) => `${(x * 100).toFixed(1)}`;

/**
 * likely: the best layer's features beat both pixels and the random copy by LIKELY_MARGIN and by
 * two standard errors of that gain (and the base has far more data); unlikely: the gain is under
 * UNLIKELY_MARGIN or within one standard error of zero (no evidence the features help);
 * uncertain in between.
 */
export function decideVerdict(probes: LayerProbe[], pixels: number, size: DataSize): { verdict: Verdict; margin: number; best: LayerProbe; reasons: string[] } {
  const best = bestProbe(probes);
  const baseline = Math.max(pixels, best.randomBase);
  const margin = best.accuracy - baseline;
  const se = best.gainSe;
  const against = pixels >= best.randomBase ? 'pixels' : 'a random copy of the base';
  const figures = `${pts(best.accuracy)}% at ${best.layer} against ${pts(baseline)}%`;
  const reasons: string[] = [];
  let verdict: Verdict;
  if (margin >= LIKELY_MARGIN && margin >= 2 * se) {
    reasons.push(`the base's features beat ${against} by ${pts(margin)} points (${figures}, standard error ${pts(se)})`);
    verdict = 'likely';
    if (size.ratio !== undefined && size.ratio < FAR_MORE_DATA) {
      verdict = 'uncertain';
      reasons.push(`but the base was trained on only ${size.ratio.toFixed(1)}x as many images per class as you have`);
    }
  } else if (margin < Math.max(UNLIKELY_MARGIN, se)) {
    verdict = 'unlikely';
    const how = margin < 0 ? 'worse than' : margin < UNLIKELY_MARGIN ? 'no better than' : 'not measurably better than';
    reasons.push(`the base's features are ${how} ${against}: ${figures} (standard error of the difference ${pts(se)})`);
  } else {
    verdict = 'uncertain';
    const why = margin >= LIKELY_MARGIN ? `, within two standard errors (${pts(se)} each): more images would tell` : '';
    reasons.push(`the base's features beat ${against} by only ${pts(margin)} points${why} (${figures})`);
  }
  return { verdict, margin, best, reasons };
}
