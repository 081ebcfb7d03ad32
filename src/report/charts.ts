// The charts tl draws, as Vega-Lite specs built by pure functions, plus their PNG renderings:
// confusion matrix heatmap, per-class F1 bars, learning curves over both training phases.
import { vegaLiteToPng } from './vega';

/** One epoch of training history; the models room's HistoryRow has this shape. */
export interface HistoryPoint {
  phase: 1 | 2;
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Shared look: white background (PNGs are shown on any page colour), readable font sizes. */
const CONFIG = {
  background: 'white',
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14 },
  view: { stroke: null },
};

/** Above this many classes cells get too small for their numbers; colour alone remains. */
const MAX_CLASSES_WITH_CELL_TEXT = 20;

/**
 * Heatmap of counts[true][predicted]. Colour is the row fraction (share of that true class), so
 * rare classes are as readable as common ones; the cell text is the raw count.
 */
export function confusionMatrixSpec(labels: string[], counts: number[][]): object {
  const values: { actual: string; predicted: string; count: number; fraction: number }[] = [];
  counts.forEach((row, t) => {
    const total = row.reduce((s, v) => s + v, 0);
    row.forEach((count, p) => values.push({ actual: labels[t], predicted: labels[p], count, fraction: total === 0 ? 0 : count / total }));
  });
  const n = labels.length;
  // About 36 px per cell, within limits that keep the image a sensible size.
  const side = Math.min(720, Math.max(160, 36 * n));
  const x = { field: 'predicted', type: 'nominal', sort: labels, title: 'predicted class', axis: { labelAngle: -45, labelLimit: 120 } };
  const y = { field: 'actual', type: 'nominal', sort: labels, title: 'true class', axis: { labelLimit: 120 } };
  const layers: object[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        x,
        y,
        color: { field: 'fraction', type: 'quantitative', title: 'share of row', scale: { scheme: 'blues', domain: [0, 1] } },
        tooltip: [{ field: 'actual' }, { field: 'predicted' }, { field: 'count', type: 'quantitative' }],
      },
    },
  ];
  if (n <= MAX_CLASSES_WITH_CELL_TEXT) {
    layers.push({
      mark: { type: 'text', fontSize: n > 10 ? 9 : 12 },
      encoding: {
        x,
        y,
        text: { field: 'count', type: 'quantitative' },
        color: { condition: { test: 'datum.fraction > 0.5', value: 'white' }, value: 'black' },
      },
    });
  }
  return { $schema: SCHEMA, config: CONFIG, title: 'Confusion matrix (test examples)', width: side, height: side, data: { values }, layer: layers };
}

/** Horizontal bars of F1 per class, in label order, with the value printed beside each bar. */
export function perClassF1Spec(perClass: { label: string; f1: number; support: number }[]): object {
  const values = perClass.map((c) => ({ label: c.label, f1: c.f1, support: c.support }));
  const y = { field: 'label', type: 'nominal', sort: perClass.map((c) => c.label), title: null, axis: { labelLimit: 160 } };
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: 'F1 score per class',
    width: 360,
    height: Math.max(60, 20 * perClass.length),
    data: { values },
    layer: [
      {
        mark: { type: 'bar', color: '#4c78a8' },
        encoding: { y, x: { field: 'f1', type: 'quantitative', title: 'F1', scale: { domain: [0, 1] } } },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
        encoding: { y, x: { field: 'f1', type: 'quantitative' }, text: { field: 'f1', type: 'quantitative', format: '.3f' } },
      },
    ],
  };
}

/** Long-format points for the learning curves; `step` numbers epochs across both phases from 1. */
export function learningCurvePoints(history: readonly HistoryPoint[]): { step: number; phase: number; series: string; metric: string; value: number }[] {
  const out: { step: number; phase: number; series: string; metric: string; value: number }[] = [];
  history.forEach((r, i) => {
    const step = i + 1;
    const add = (metric: string, series: string, value: number | undefined) => {
      if (value !== undefined && Number.isFinite(value)) out.push({ step, phase: r.phase, series, metric, value });
    };
    add('accuracy', 'train', r.accuracy);
    add('accuracy', 'validation', r.valAccuracy);
    add('loss', 'train', r.loss);
    add('loss', 'validation', r.valLoss);
  });
  return out;
}

/** Where fine-tuning starts on the `step` axis (between the last phase-1 and first phase-2 epoch). */
export function fineTuneStart(history: readonly HistoryPoint[]): number | undefined {
  const i = history.findIndex((r) => r.phase === 2);
  return i < 0 ? undefined : i + 0.5;
}

/** Accuracy and loss side by side, train and validation lines, a rule where fine-tuning starts. */
export function learningCurvesSpec(history: readonly HistoryPoint[]): object {
  const points = learningCurvePoints(history);
  const start = fineTuneStart(history);
  const panel = (metric: 'accuracy' | 'loss') => {
    const layers: object[] = [
      {
        data: { values: points.filter((p) => p.metric === metric) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'epoch (both phases)', axis: { tickMinStep: 1 }, scale: { domainMin: 1 } },
          y: {
            field: 'value',
            type: 'quantitative',
            title: metric,
            scale: metric === 'accuracy' ? { domain: [0, 1] } : { zero: true },
          },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['train', 'validation'], range: ['#4c78a8', '#f58518'] } },
        },
      },
    ];
    if (start !== undefined) {
      layers.push({
        data: { values: [{ step: start, label: 'fine-tuning starts' }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 4], color: '#666' }, encoding: { x: { field: 'step', type: 'quantitative' } } },
          {
            mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, y: 0, fontSize: 10, color: '#444' },
            encoding: { x: { field: 'step', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      });
    }
    return { title: metric === 'accuracy' ? 'Accuracy' : 'Loss', width: 320, height: 220, layer: layers };
  };
  return { $schema: SCHEMA, config: CONFIG, hconcat: [panel('accuracy'), panel('loss')], resolve: { scale: { color: 'shared' } } };
}

export function confusionMatrixPng(labels: string[], counts: number[][]): Promise<Buffer> {
  return vegaLiteToPng(confusionMatrixSpec(labels, counts));
}

export function perClassF1Png(perClass: { label: string; f1: number; support: number }[]): Promise<Buffer> {
  return vegaLiteToPng(perClassF1Spec(perClass));
}

/** PNG of the learning curves; the transfer command saves it into the run directory too. */
export function learningCurvesPng(history: readonly HistoryPoint[]): Promise<Buffer> {
  return vegaLiteToPng(learningCurvesSpec(history));
}
