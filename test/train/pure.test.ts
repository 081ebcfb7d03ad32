// Pure parts of the train room, no TensorFlow: seeds and shuffles, learning-rate schedules,
// class weights, early stopping, config merging, checkpoint encoding, activation rows as batches.
import {
  activationBatches,
  decodeCheckpoint,
  phaseConfig,
  deriveSeed,
  encodeCheckpoint,
  initialEarlyStoppingState,
  learningRateAt,
  makeRandom,
  resolveClassWeights,
  runKeyOf,
  shuffledOrder,
  updateEarlyStopping,
  type TrainCheckpoint,
  stepBudget,
  HEAD_RULE,
  SCRATCH_RULE,
  STREAMED_HEAD_RULE,
  FINE_TUNE_RULE,
} from '../../src/train';

describe('seeds and shuffles', () => {
  test('derived seeds repeat for the same parts and differ when any part changes', () => {
    expect(deriveSeed(42, 'shuffle', 1, 3)).toBe(deriveSeed(42, 'shuffle', 1, 3));
    const variants = [
      deriveSeed(42, 'shuffle', 1, 3),
      deriveSeed(43, 'shuffle', 1, 3),
      deriveSeed(42, 'dropout', 1, 3),
      deriveSeed(42, 'shuffle', 2, 3),
      deriveSeed(42, 'shuffle', 1, 4),
      deriveSeed(42, 'shuffle', 3, 1),
    ];
    expect(new Set(variants).size).toBe(variants.length);
    for (const v of variants) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
  });

  test('the generator is uniform enough on [0, 1)', () => {
    const r = makeRandom(7);
    const bins = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 10000; i++) {
      const v = r();
      if (!(v >= 0 && v < 1)) outside++;
      else bins[Math.floor(v * 10)]++;
    }
    expect(outside).toBe(0);
    expect(Math.max(...bins.map((b) => Math.abs(b - 1000)))).toBeLessThan(150);
  });

  test('shuffled orders are permutations, fixed by the seed', () => {
    const a = shuffledOrder(50, 1);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(shuffledOrder(50, 1))).toEqual(Array.from(a));
    expect(Array.from(shuffledOrder(50, 2))).not.toEqual(Array.from(a));
    expect(Array.from(shuffledOrder(1, 5))).toEqual([0]);
    expect(shuffledOrder(0, 5).length).toBe(0);
  });
});

describe('learning-rate schedules', () => {
  const constant = { kind: 'constant' as const, warmupEpochs: 0, finalFraction: 0 };
  const cosine = { kind: 'cosine' as const, warmupEpochs: 0, finalFraction: 0 };

  test('constant stays at the base rate', () => {
    for (const s of [0, 5, 99]) expect(learningRateAt(s, 100, 0.01, constant, 10)).toBe(0.01);
  });

  test('cosine starts at the base rate, halves at mid-way and ends at the floor', () => {
    expect(learningRateAt(0, 101, 0.1, cosine, 10)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(50, 101, 0.1, cosine, 10)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(100, 101, 0.1, cosine, 10)).toBeCloseTo(0, 12);
    expect(learningRateAt(100, 101, 0.1, { ...cosine, finalFraction: 0.1 }, 10)).toBeCloseTo(0.01, 12);
    let prev = Infinity;
    for (let s = 0; s < 101; s++) {
      const lr = learningRateAt(s, 101, 0.1, cosine, 10);
      expect(lr).toBeLessThanOrEqual(prev);
      prev = lr;
    }
  });

  test('warm-up ramps linearly over whole epochs of steps, then the schedule runs', () => {
    const cfg = { ...cosine, warmupEpochs: 1 };
    expect(learningRateAt(0, 40, 0.1, cfg, 4)).toBeCloseTo(0.025, 12);
    expect(learningRateAt(3, 40, 0.1, cfg, 4)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(4, 40, 0.1, cfg, 4)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(39, 40, 0.1, cfg, 4)).toBeCloseTo(0, 12);
  });

  test('a single-step phase does not divide by zero', () => {
    expect(learningRateAt(0, 1, 0.1, cosine, 1)).toBeCloseTo(0.1, 12);
  });
});

describe('class weights', () => {
  test("'auto' is n_samples / (n_classes * count_c)", () => {
    // 6 of class 0, 2 of class 1, 0 of class 2
    const labels = [0, 0, 0, 0, 0, 0, 1, 1];
    expect(resolveClassWeights('auto', labels, 3)).toEqual([8 / (3 * 6), 8 / (3 * 2), 0]);
    expect(resolveClassWeights('none', labels, 3)).toEqual([1, 1, 1]);
    expect(resolveClassWeights([1, 2, 3], labels, 3)).toEqual([1, 2, 3]);
  });

  test('bad explicit weights and out-of-range labels are refused', () => {
    expect(() => resolveClassWeights([1, 2], [0, 1], 3)).toThrow(/3 non-negative numbers/);
    expect(() => resolveClassWeights('auto', [0, 5], 3)).toThrow(/label 5 at position 1/);
  });
});

describe('early stopping', () => {
  const cfg = { patience: 2, minDelta: 0.01, restoreBest: true };

  test('stops after `patience` epochs without an improvement larger than minDelta', () => {
    let s = initialEarlyStoppingState();
    const losses = [1.0, 0.8, 0.795, 0.9, 0.7];
    const out: Array<{ improved: boolean; stopped: boolean; best: number | null }> = [];
    for (let e = 0; e < losses.length && !s.stopped; e++) {
      const r = updateEarlyStopping(s, losses[e], e + 1, cfg);
      s = r.state;
      out.push({ improved: r.improved, stopped: s.stopped, best: s.best });
    }
    expect(out).toEqual([
      { improved: true, stopped: false, best: 1.0 },
      { improved: true, stopped: false, best: 0.8 },
      { improved: false, stopped: false, best: 0.8 },
      { improved: false, stopped: true, best: 0.8 },
    ]);
    expect(s.bestEpoch).toBe(2);
  });

  test('NaN never improves; patience 0 never stops', () => {
    const r = updateEarlyStopping(initialEarlyStoppingState(), NaN, 1, cfg);
    expect(r.improved).toBe(false);
    let s = initialEarlyStoppingState();
    for (let e = 1; e < 20; e++) s = updateEarlyStopping(s, 1, e, { ...cfg, patience: 0 }).state;
    expect(s.stopped).toBe(false);
  });
});

describe('configs', () => {
  test('a phase config takes the given settings and the train room defaults for the rest', () => {
    const p1 = phaseConfig({ epochs: 7, lr: 0.01, patience: 3 });
    expect(p1).toEqual({
      epochs: 7,
      optimizer: { kind: 'adam', learningRate: 0.01, momentum: 0.9 },
      schedule: { kind: 'constant', warmupEpochs: 0, finalFraction: 0 },
      earlyStopping: { patience: 3, minDelta: 0, restoreBest: true },
    });
    const p2 = phaseConfig({ epochs: 2, optimizer: 'sgd', momentum: 0, schedule: 'cosine' });
    expect([p2.optimizer, p2.schedule.kind, p2.earlyStopping.patience]).toEqual([{ kind: 'sgd', learningRate: 1e-3, momentum: 0 }, 'cosine', 0]);
  });

  test('run keys ignore key order and change with any value', () => {
    expect(runKeyOf({ a: 1, b: [1, 2] })).toBe(runKeyOf({ b: [1, 2], a: 1 }));
    expect(runKeyOf({ a: 1, b: [1, 2] })).not.toBe(runKeyOf({ a: 1, b: [2, 1] }));
  });
});

describe('checkpoint encoding', () => {
  const ckpt: TrainCheckpoint = {
    format: 'tl-train-checkpoint',
    version: 1,
    runKey: 'k',
    progress: {
      phase: 2,
      epochsDone: 1,
      stepInEpoch: 3,
      globalStep: 7,
      partial: { lossSum: 1.5, correct: 3, seen: 48, seconds: 0.25, lr: 0.001 },
      earlyStopping: { best: 0.5, bestEpoch: 1, wait: 0, stopped: false },
    },
    history: [{ phase: 1, epoch: 1, loss: 0.1234567890123, accuracy: 0.5, valLoss: 0.2, valAccuracy: 0.25, lr: 0.01, seconds: 1 }],
    completedPhases: [],
    weights: [
      { name: 'k', shape: [2, 3], dtype: 'float32', data: Float32Array.from([1, -2, 3.5, Math.fround(0.1), -0, 1e-30]) },
      { name: 'b', shape: [1], dtype: 'float32', data: Float32Array.from([NaN]) },
    ],
    bestWeights: null,
    optimizer: { kind: 'adam', weights: [{ name: 'iter', shape: [], dtype: 'int32', data: Int32Array.from([7]) }], extras: { accBeta1: [0.5] } },
  };

  test('round-trips exactly, bits included', () => {
    const back = decodeCheckpoint(encodeCheckpoint(ckpt), 'mem');
    expect(back.progress).toEqual(ckpt.progress);
    expect(back.history).toEqual(ckpt.history);
    expect(back.optimizer.extras).toEqual(ckpt.optimizer.extras);
    expect(back.optimizer.weights[0].data).toEqual(Int32Array.from([7]));
    expect(back.bestWeights).toBeNull();
    for (let i = 0; i < 2; i++) {
      expect(Buffer.from(back.weights[i].data.buffer).equals(Buffer.from(ckpt.weights[i].data.buffer))).toBe(true);
      expect(back.weights[i].shape).toEqual(ckpt.weights[i].shape);
    }
  });

  test('foreign or truncated files are refused with the file named', () => {
    expect(() => decodeCheckpoint(Buffer.from('hello world, not a checkpoint'), '/x/ckpt')).toThrow(/\/x\/ckpt is not a usable/);
    const buf = encodeCheckpoint(ckpt);
    expect(() => decodeCheckpoint(buf.subarray(0, buf.length - 4), '/x/ckpt')).toThrow(/truncated/);
  });
});

describe('stepBudget (--epochs auto, --patience auto)', () => {
  const budget = (trainCount: number, extra: Partial<Parameters<typeof stepBudget>[0]> = {}) =>
    stepBudget({ epochs: 'auto', patience: 'auto', trainCount, batchSize: 32, rule: HEAD_RULE, ...extra });

  test('a few-shot set gets epochs enough for the step budget, and patience in steps', () => {
    const b = budget(100); // 4 steps an epoch
    expect(b.stepsPerEpoch).toBe(4);
    expect(b.epochs).toBe(Math.ceil(HEAD_RULE.minSteps / 4));
    expect(b.patience).toBe(Math.ceil(HEAD_RULE.patienceSteps / 4));
    expect(b.reason).toMatch(/auto: 500 epochs of 4 steps, for at least 2000 steps/);
  });

  test('a large set keeps the minimum epochs; fewer images than a batch stops at the cap', () => {
    expect(budget(28_000)).toMatchObject({ epochs: 20, patience: 5 });
    expect(budget(28_000, { batchSize: 64, rule: SCRATCH_RULE })).toMatchObject({ epochs: 12, patience: 3 });
    expect(budget(3)).toMatchObject({ epochs: 1000, stepsPerEpoch: 1, patience: HEAD_RULE.patienceSteps });
  });

  test('fine-tuning: 200 steps within 5 to 50 epochs, patience 5', () => {
    expect(budget(100, { rule: FINE_TUNE_RULE })).toMatchObject({ epochs: 50, patience: 5 });
    expect(budget(1000, { rule: FINE_TUNE_RULE })).toMatchObject({ epochs: 7, patience: 5 }); // 32 steps an epoch
    expect(budget(28_000, { rule: FINE_TUNE_RULE })).toMatchObject({ epochs: 5, patience: 5 });
    expect(budget(100, { rule: FINE_TUNE_RULE, epochs: 0 }).epochs).toBe(0);
  });

  test('streamed (augmented) transfer stays at 20 epochs; explicit numbers are kept as given', () => {
    expect(budget(100, { rule: STREAMED_HEAD_RULE })).toMatchObject({ epochs: 20, patience: 5 });
    expect(budget(100, { epochs: 7, patience: 0 })).toEqual({ epochs: 7, patience: 0, stepsPerEpoch: 4, reason: '' });
  });
});

describe('activationBatches', () => {
  // 5 rows of shape [2, 3]: row r holds r*10 + 0..5, so every value names its row.
  const kept = ['a', 'b', 'c', 'd', 'e'].map((h, r) => ({ id: `img-${h}`, hash: h, label: r % 2 }));
  const features = Float32Array.from({ length: 5 * 6 }, (_, i) => Math.floor(i / 6) * 10 + (i % 6));
  const rows = { features, shape: [5, 2, 3], kept };
  const collect = async <T>(it: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const b of it) out.push(b);
    return out;
  };

  test('all rows in kept order, any rank, consecutive rows as views of the features', async () => {
    const batches = await collect(activationBatches(rows, 2));
    expect(batches.map((b) => b.shape)).toEqual([[2, 2, 3], [2, 2, 3], [1, 2, 3]]);
    expect(batches.flatMap((b) => b.ids)).toEqual(kept.map((e) => e.id));
    expect(batches.flatMap((b) => [...b.y])).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(batches[2].x)).toEqual([40, 41, 42, 43, 44, 45]);
    expect(batches[1].x.buffer).toBe(features.buffer);
  });

  test('wanted rows by hash, in wanted order, leaving out hashes without a row', async () => {
    const batches = await collect(activationBatches(rows, 2, [{ hash: 'd' }, { hash: 'zz' }, { hash: 'a' }, { hash: 'e' }]));
    expect(batches.flatMap((b) => b.hashes)).toEqual(['d', 'a', 'e']);
    expect(Array.from(batches[0].x).filter((_, i) => i % 6 === 0)).toEqual([30, 0]);
    expect(batches[0].x.buffer).not.toBe(features.buffer); // gathered, so a copy
    expect(batches[1].shape).toEqual([1, 2, 3]);
  });

  test('a batch size that is not a positive whole number is refused', async () => {
    await expect(collect(activationBatches(rows, 0))).rejects.toThrow(/batchSize must be a positive integer/);
  });
});
