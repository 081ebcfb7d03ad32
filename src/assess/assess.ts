// `assess(options)`: will transfer from this base help on this data? Checks the three conditions
// (same kind of input, far more data in the base, useful features) before anyone trains: linear
// probes on the base's features at a few cut layers against pixels and a random copy of the base.
import { examplesOf, loadDataset, type Example, type InputSpec } from '../data';
import { baseCacheIdentity } from '../train';
import { findLayer, resolveBase } from '../models';
import { deriveSeed, makeRandom, shuffled } from '../random';
import { DataError } from '../errors';
import type { LayersModel } from '@tensorflow/tfjs-node';
import { dataSize, decideVerdict, inputMatch } from './conditions';
import { candidateLayers, layerFeatures, matrixOf, pixelRows, randomCopy, type LayerFeatures } from './features';
import { columns, crossValidate, defaultProbeConfig, pairedStandardError, type Matrix, type ProbeConfig, type ProbeScore } from './linear-probe';
import { dataImageSize, trainedOnOf } from './source-task';
import type { AssessOptions, AssessResult, LayerProbe } from './types';
import { DATA_DEFAULTS, withDefaults } from '../defaults';

/** Pixel baselines wider than this many values are taken from 32x32 copies of the images. */
const MAX_PIXEL_VALUES = 4096;
const PIXEL_SIDE = 32;
const BATCH_SIZE = 32;

export function defaultAssessOptions(): Omit<AssessOptions, 'base' | 'data'> {
  const probe = defaultProbeConfig();
  return { probeImagesPerClass: 100, folds: probe.folds, steps: probe.steps, seed: DATA_DEFAULTS.seed, valSplit: DATA_DEFAULTS.valSplit, testSplit: DATA_DEFAULTS.testSplit, cache: true };
}

export interface AssessHooks {
  onStage?: (message: string) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
  onWarning?: (message: string) => void;
}

/** At most `n` examples of each class, a seeded sample, in their original order. */
export function samplePerClass(examples: Example[], n: number, seed: number): Example[] {
  const byClass = new Map<number, Example[]>();
  for (const e of examples) byClass.set(e.label, [...(byClass.get(e.label) ?? []), e]);
  const keep = new Set<Example>();
  for (const [label, list] of byClass) shuffled(list, makeRandom(deriveSeed(seed, 'assess', label))).slice(0, n).forEach((e) => keep.add(e));
  return examples.filter((e) => keep.has(e));
}

function countPerClass(examples: Example[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const e of examples) counts[e.label]++;
  return counts;
}

/** The pixels the baseline probe reads: the data's own size when small, else 32x32. */
function pixelSpec(data: { height: number; width: number; channels: number } | undefined, base: InputSpec): InputSpec {
  const channels = (data?.channels ?? base.channels) === 1 ? 1 : 3;
  const small = data && data.height * data.width * channels <= MAX_PIXEL_VALUES;
  return { height: small ? data.height : PIXEL_SIDE, width: small ? data.width : PIXEL_SIDE, channels, preprocessing: { kind: 'scale01' }, resize: base.resize };
}

export async function assess(options: Partial<AssessOptions> & { base: string; data: string }, hooks: AssessHooks = {}): Promise<AssessResult> {
  const opts = withDefaults<AssessOptions>({ ...defaultAssessOptions(), base: options.base, data: options.data }, options);
  const t0 = Date.now();
  hooks.onStage?.(`Loading base ${opts.base}`);
  const { model, info } = await resolveBase(opts.base);
  const owned: LayersModel[] = [model];
  try {
    hooks.onStage?.(`Reading data ${opts.data}`);
    const ds = await loadDataset(opts.data, { valSplit: opts.valSplit, testSplit: opts.testSplit, seed: opts.seed, limitPerClass: opts.limitPerClass });
    const train = examplesOf(ds, 'train');
    if (train.length === 0) throw new DataError(`no training images in ${opts.data}`, 'Lower --val-split / --test-split, or add images.');
    const sample = samplePerClass(train, opts.probeImagesPerClass, opts.seed);
    const dataInput = await dataImageSize(ds, train);
    const match = inputMatch(info.input, dataInput);
    const size = dataSize(countPerClass(train, ds.classes.length), trainedOnOf(info));

    const layers = opts.layers && opts.layers.length > 0 ? opts.layers.map((l) => findLayer(model, l, '--layers').layer.name) : candidateLayers(model, info.featureLayer);
    const run = { input: info.input, batchSize: BATCH_SIZE, cache: opts.cache, onWarning: hooks.onWarning };
    hooks.onStage?.(`Computing features at ${layers.join(', ')} for ${sample.length} images`);
    const features = await layerFeatures(model, layers, sample, { ...run, identity: baseCacheIdentity(info), onProgress: (d, t) => hooks.onProgress?.('Base features', d, t) });
    const copy = await randomCopy(model, deriveSeed(opts.seed, 'random-base'));
    owned.push(copy);
    const random = await layerFeatures(copy, layers, sample, { ...run, identity: `${baseCacheIdentity(info)}|random-init:${opts.seed}`, onProgress: (d, t) => hooks.onProgress?.('Random-copy features', d, t) });
    const pixSpec = pixelSpec(dataInput, info.input);
    const pixels = await pixelRows(sample, pixSpec, BATCH_SIZE);

    // Only examples every representation has (an unreadable file drops out of all three).
    const rows = sample.filter((e) => features.rows.has(e.hash) && random.rows.has(e.hash) && pixels.has(e.hash));
    const labels = Int32Array.from(rows, (e) => e.label);
    const hashes = rows.map((e) => e.hash);
    const cfg: ProbeConfig = { ...defaultProbeConfig(), folds: opts.folds, steps: opts.steps, seed: opts.seed };
    hooks.onStage?.(`Fitting linear probes (${cfg.folds}-fold cross-validation, ${cfg.steps} steps each)`);
    const pixelValues = pixSpec.height * pixSpec.width * pixSpec.channels;
    const pixelScore = crossValidate(matrixOf(pixels, hashes, pixelValues), labels, ds.classes.length, cfg);
    const probes = probeLayers(layers, matrixOf(features.rows, hashes, sum(features.widths)), matrixOf(random.rows, hashes, sum(random.widths)), features, labels, ds.classes.length, cfg, pixelScore);

    const decision = decideVerdict(probes, pixelScore.accuracy, size);
    return {
      verdict: decision.verdict,
      reasons: [...decision.reasons, ...match.warnings, ...size.notes],
      base: { ref: opts.base, name: info.name, description: info.description },
      dataSpec: opts.data,
      inputMatch: match,
      dataSize: size,
      probes,
      baselines: { pixels: pixelScore.accuracy, randomBase: decision.best.randomBase },
      suggestedCutLayer: decision.best.layer,
      margin: decision.margin,
      probe: { images: rows.length, folds: pixelScore.folds, steps: cfg.steps, pixelShape: [pixSpec.height, pixSpec.width, pixSpec.channels] },
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    disposeWeights(owned);
  }
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** One probe per layer on the base's and the random copy's columns for that layer. */
function probeLayers(layers: string[], base: Matrix, random: Matrix, f: LayerFeatures, labels: Int32Array, classes: number, cfg: ProbeConfig, pixels: ProbeScore): LayerProbe[] {
  let start = 0;
  return layers.map((layer, i) => {
    const width = f.widths[i];
    const b = crossValidate(columns(base, start, width), labels, classes, cfg);
    const r = crossValidate(columns(random, start, width), labels, classes, cfg);
    start += width;
    const baseline = pixels.accuracy >= r.accuracy ? pixels : r;
    return { layer, accuracy: b.accuracy, randomBase: r.accuracy, features: width, sd: b.sd, gainSe: pairedStandardError(b.correct, baseline.correct) };
  });
}

/** Disposes every weight of the given models once (cut models share the base's weights). */
function disposeWeights(models: LayersModel[]): void {
  for (const w of new Set(models.flatMap((m) => m.weights))) w.dispose();
}
