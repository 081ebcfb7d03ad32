// The training loop on a tiny conv base with BatchNormalization: BN statistics untouched in both
// phases, frozen weights unchanged, loss decreasing, no tensor leaks, tiny sets, early stopping.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../../src/native/load';
import { splitAt } from '../../src/models';
import {
  phaseConfig,
  runPhases,
  trainPhase,
  type HistoryRow,
  type PhasePlan,
} from '../../src/train';
import { bnStatistics, buildBase, buildHead, makeImages, predictRows, sameBits, weightValues } from './fixtures';

/** The training loop's fit settings (batch, seed, smoothing, class weights); tests vary batch and seed. */
const FIT = { batchSize: 32, seed: 42, labelSmoothing: 0, classWeights: 'none' as const };

const tf = loadTf();

test('runs on the native TensorFlow backend', () => {
  expect(tf.getBackend()).toBe('tensorflow');
});

describe('two phases: head on cached features, then the unfrozen top on cached lower activations', () => {
  const base = buildBase(tf, 1, 'two_');
  const head = buildHead(tf, 6, 11);
  const train = makeImages(60, 5);
  const val = makeImages(15, 6);
  const split = splitAt(base, 'two_conv_b');
  const lower = split.lower!;
  const bnBefore = bnStatistics(base);
  const lowerBefore = weightValues(lower);
  const upperBefore = weightValues(split.upper);
  const epochTensors: Record<number, number[]> = { 1: [], 2: [] };
  const before: Record<number, number> = {};
  const after: Record<number, number> = {};
  let history: HistoryRow[] = [];

  beforeAll(async () => {
    const f1 = predictRows(base, train.x, train.shape);
    const v1 = predictRows(base, val.x, val.shape);
    const f2 = predictRows(lower, train.x, train.shape);
    const v2 = predictRows(lower, val.x, val.shape);
    const phase1 = phaseConfig({ epochs: 12, lr: 0.05 });
    const phase2 = phaseConfig({ epochs: 4, lr: 0.005 });
    const plans: PhasePlan[] = [
      {
        phase: 1,
        config: phase1,
        prepare: async () => {
          before[1] = tf.memory().numTensors;
          return {
            chain: { head },
            train: { kind: 'memory', x: f1.data, shape: f1.shape, y: train.y, stage: 'features' },
            val: { kind: 'memory', x: v1.data, shape: v1.shape, y: val.y, stage: 'features' },
          };
        },
      },
      {
        phase: 2,
        config: phase2,
        prepare: async () => {
          before[2] = tf.memory().numTensors;
          // Phase 2 trains the top of the base.
          for (const l of split.upper.layers) l.trainable = true;
          return {
            chain: { upper: split.upper, head },
            train: { kind: 'memory', x: f2.data, shape: f2.shape, y: train.y, stage: 'features' },
            val: { kind: 'memory', x: v2.data, shape: v2.shape, y: val.y, stage: 'features' },
          };
        },
      },
    ];
    const r = await runPhases(plans, {
      fit: { ...FIT, batchSize: 16, seed: 7 },
      runKey: 'loop-test',
      hooks: { onEpoch: (row) => void epochTensors[row.phase].push(tf.memory().numTensors) },
      // Phase 1 has ended when phase 2 starts (before its prepare runs).
      onPhaseStart: (phase) => void (phase === 2 && (after[1] = tf.memory().numTensors)),
    });
    after[2] = tf.memory().numTensors;
    expect(r.interrupted).toBe(false);
    history = r.history;
    // Seconds of compute; the margin is for a loaded shared machine.
  }, 600_000);

  test('BatchNormalization moving statistics are bit-identical after both phases', () => {
    expect(bnStatistics(base).length).toBe(4);
    expect(sameBits(bnStatistics(base), bnBefore)).toBe(true);
  });

  test('frozen layers are unchanged; the unfrozen top did train', () => {
    expect(sameBits(weightValues(lower), lowerBefore)).toBe(true);
    const upperAfter = weightValues(split.upper);
    // conv_b kernel, bias, bn_b gamma, beta moved; bn_b moving stats did not.
    const trainableNames = split.upper.trainableWeights.map((w) => w.name);
    expect(trainableNames.length).toBe(4);
    split.upper.weights.forEach((w, i) => {
      const same = sameBits([upperAfter[i]], [upperBefore[i]]);
      expect({ name: w.name, same }).toEqual({ name: w.name, same: !trainableNames.includes(w.name) });
    });
  });

  test('history has one row per epoch and the loss decreases', () => {
    expect(history.map((r) => `${r.phase}.${r.epoch}`)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `1.${i + 1}`),
      ...Array.from({ length: 4 }, (_, i) => `2.${i + 1}`),
    ]);
    const p1 = history.filter((r) => r.phase === 1);
    expect(p1[p1.length - 1].loss).toBeLessThan(p1[0].loss * 0.85);
    const p2 = history.filter((r) => r.phase === 2);
    expect(p2[p2.length - 1].valLoss).toBeLessThan(p1[0].valLoss!);
    expect(p2[p2.length - 1].valAccuracy).toBeGreaterThan(0.5);
    for (const r of history) {
      expect(Number.isFinite(r.valLoss)).toBe(true);
      expect(r.seconds).toBeGreaterThan(0); // an epoch (steps and validation) takes milliseconds, never none
    }
    // Phase 2 uses a tenth of the rate.
    expect(history.find((r) => r.phase === 2)!.lr).toBeCloseTo(0.005, 10);
  });

  test('tf.memory().numTensors is the same after every epoch and back to its start after each phase', () => {
    for (const phase of [1, 2]) {
      const counts = epochTensors[phase];
      expect(new Set(counts).size).toBe(1);
      expect(after[phase]).toBe(before[phase]);
    }
  });

  test('the chain in memory predicts like the trained head on top of the (unchanged) base', () => {
    const rows = predictRows(base, val.x, val.shape);
    const probs = predictRows(head, rows.data, rows.shape);
    expect(probs.shape).toEqual([15, 3]);
    for (let i = 0; i < 15; i++) {
      const s = probs.data[i * 3] + probs.data[i * 3 + 1] + probs.data[i * 3 + 2];
      expect(s).toBeCloseTo(1, 5);
    }
  });
});

describe('edge cases', () => {
  test('a training set smaller than one batch still takes one step per epoch', async () => {
    const head = buildHead(tf, 6, 21);
    const data = makeImages(5, 9);
    const feats = makeImages(5, 9);
    const x = feats.x.subarray(0, 5 * 6);
    const before = weightValues(head);
    const steps: number[] = [];
    const r = await trainPhase(
      1,
      { chain: { head }, train: { kind: 'memory', x, shape: [5, 6], y: data.y, stage: 'features' } },
      phaseConfig({ epochs: 2 }),
      { fit: { ...FIT, batchSize: 32 }, runKey: 'tiny', hooks: { onBatch: (e) => steps.push(e.stepsPerEpoch) } },
    );
    expect(steps).toEqual([1, 1]);
    expect(r.summary.steps).toBe(2);
    expect(r.history.length).toBe(2);
    expect(sameBits(weightValues(head), before)).toBe(false);
  });

  test('early stopping stops on a rising validation loss and restores the best epoch', async () => {
    // Validation labels are the training labels shifted: the better the fit, the worse val gets.
    const head = buildHead(tf, 6, 31, 0);
    const data = makeImages(30, 3);
    const base = buildBase(tf, 3, 'es_');
    const f = predictRows(base, data.x, data.shape);
    const wrong = Int32Array.from(data.y, (c) => (c + 1) % 3);
    const snapshots: Float32Array[][] = [];
    const r = await trainPhase(
      1,
      {
        chain: { head },
        train: { kind: 'memory', x: f.data, shape: f.shape, y: data.y, stage: 'features' },
        val: { kind: 'memory', x: f.data, shape: f.shape, y: wrong, stage: 'features' },
      },
      phaseConfig({ epochs: 30, lr: 0.05, patience: 2 }),
      { fit: { ...FIT, batchSize: 8 }, runKey: 'es', hooks: { onEpoch: () => void snapshots.push(weightValues(head)) } },
    );
    expect(r.summary.stoppedEarly).toBe(true);
    expect(r.summary.epochsRun).toBeLessThan(30);
    const valLosses = r.history.map((h) => h.valLoss!);
    const best = valLosses.indexOf(Math.min(...valLosses)) + 1;
    expect(r.summary.bestEpoch).toBe(best);
    expect(r.summary.restoredBest).toBe(best !== r.summary.epochsRun);
    expect(sameBits(weightValues(head), snapshots[best - 1])).toBe(true);
  });

  test('streamed input batches go through the frozen part in inference mode', async () => {
    const base = buildBase(tf, 4, 'st_');
    const head = buildHead(tf, 6, 41);
    const data = makeImages(20, 4);
    const bn = bnStatistics(base);
    const opened: number[] = [];
    const r = await trainPhase(
      1,
      {
        chain: { frozen: base, head },
        train: {
          kind: 'stream',
          size: 20,
          labels: data.y,
          async *open(ctx) {
            opened.push(ctx.shuffleSeed);
            for (let s = 0; s < 20; s += ctx.batchSize) {
              const e = Math.min(20, s + ctx.batchSize);
              const px = 8 * 8 * 3;
              yield {
                x: data.x.slice(s * px, e * px),
                shape: [e - s, 8, 8, 3] as [number, number, number, number],
                y: data.y.slice(s, e),
                ids: [],
                hashes: [],
              };
            }
          },
        },
        val: { kind: 'memory', x: data.x, shape: data.shape, y: data.y, stage: 'input' },
      },
      phaseConfig({ epochs: 3 }),
      { fit: { ...FIT, batchSize: 8 }, runKey: 'stream' },
    );
    expect(r.history.length).toBe(3);
    expect(new Set(opened).size).toBe(3);
    expect(sameBits(bnStatistics(base), bn)).toBe(true);
  });

  test('a feed whose rows do not fit the chain is refused with a clear message', async () => {
    const head = buildHead(tf, 6, 51);
    await expect(
      trainPhase(
        1,
        { chain: { head }, train: { kind: 'memory', x: new Float32Array(20), shape: [4, 5], y: [0, 1, 2, 0], stage: 'features' } },
        phaseConfig({ epochs: 10 }),
        { fit: FIT, runKey: 'bad' },
      ),
    ).rejects.toThrow(/rows have shape \[5\] but the model part they feed expects \[6\]/);
  });
});

export type { tfTypes };
