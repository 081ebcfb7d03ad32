// Resume == straight: a run interrupted (at an epoch boundary, or mid-epoch) and resumed from its
// checkpoint file ends with bit-identical weights and metrics to an uninterrupted run.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTf } from '../../src/native/load';
import { splitAt } from '../../src/models';
import {
  phaseConfig,
  readCheckpoint,
  runPhases,
  writeCheckpoint,
  type FitConfig,
  type HistoryRow,
  type PhaseConfig,
  type PhasePlan,
  type PhaseSummary,
  type RunPhasesResult,
  type TrainCheckpoint,
} from '../../src/train';
import { bnStatistics, buildBase, buildHead, makeImages, predictRows, sameBits, weightValues } from './fixtures';

const tf = loadTf();

interface Scenario {
  name: string;
  phase1: PhaseConfig;
  phase2: PhaseConfig;
  fit: FitConfig;
  /** Raise the stop flag after this batch. */
  stopAt: { phase: number; epoch: number; step: number };
}

const scenarios: Scenario[] = [
  {
    name: 'adam then rmsprop+cosine, stopped after phase-1 epoch 2',
    phase1: phaseConfig({ epochs: 4, optimizer: 'adam', lr: 0.05, patience: 3 }),
    phase2: { ...phaseConfig({ epochs: 3, optimizer: 'rmsprop', lr: 0.005, momentum: 0.5 }), schedule: { kind: 'cosine', warmupEpochs: 1, finalFraction: 0 } },
    fit: { batchSize: 16, seed: 3, classWeights: 'auto', labelSmoothing: 0.1 },
    stopAt: { phase: 1, epoch: 2, step: 4 },
  },
  {
    name: 'sgd+momentum then adam, stopped mid-epoch in phase 2',
    phase1: phaseConfig({ epochs: 3, optimizer: 'sgd', lr: 0.1, momentum: 0.9 }),
    phase2: phaseConfig({ epochs: 3, optimizer: 'adam', lr: 0.005 }),
    fit: { batchSize: 16, seed: 9, classWeights: 'none', labelSmoothing: 0 },
    stopAt: { phase: 2, epoch: 2, step: 2 },
  },
];

describe.each(scenarios)('resume: $name', (sc) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-train-resume-'));
  const ckptFile = path.join(dir, 'checkpoint.tlck');
  const base = buildBase(tf, 2, `r${sc.fit.seed}_`);
  const head = buildHead(tf, 6, 13);
  const split = splitAt(base, `r${sc.fit.seed}_conv_b`);
  const train = makeImages(60, 7);
  const val = makeImages(12, 8);
  const f1 = predictRows(base, train.x, train.shape);
  const v1 = predictRows(base, val.x, val.shape);
  const f2 = predictRows(split.lower!, train.x, train.shape);
  const v2 = predictRows(split.lower!, val.x, val.shape);
  const initialHead = head.getWeights().map((t) => t.clone());
  const initialUpper = split.upper.getWeights().map((t) => t.clone());
  const bn = bnStatistics(base);

  const plans = (): PhasePlan[] => [
    {
      phase: 1,
      config: sc.phase1,
      prepare: async () => ({
        chain: { head },
        train: { kind: 'memory', x: f1.data, shape: f1.shape, y: train.y, stage: 'features' },
        val: { kind: 'memory', x: v1.data, shape: v1.shape, y: val.y, stage: 'features' },
      }),
    },
    {
      phase: 2,
      config: sc.phase2,
      prepare: async () => {
        for (const l of split.upper.layers) l.trainable = true;
        return {
          chain: { upper: split.upper, head },
          train: { kind: 'memory', x: f2.data, shape: f2.shape, y: train.y, stage: 'features' },
          val: { kind: 'memory', x: v2.data, shape: v2.shape, y: val.y, stage: 'features' },
        };
      },
    },
  ];

  /**
   * Puts the trainable parts back to their start, or to noise that the checkpoint must then
   * override. The base (upper) is reloaded unchanged by a real resume, so it is scrambled only
   * when the checkpoint holds it (phase 2); BN moving statistics are never touched.
   */
  const reset = (scrambleHead: boolean, scrambleUpper: boolean) => {
    for (const l of split.upper.layers) l.trainable = false;
    const pick = (ts: typeof initialHead, names: string[], scramble: boolean) =>
      ts.map((t, i) => (scramble && !/moving/.test(names[i]) ? tf.randomNormal(t.shape) : t.clone()));
    const h = pick(initialHead, head.weights.map((w) => w.name), scrambleHead);
    const u = pick(initialUpper, split.upper.weights.map((w) => w.name), scrambleUpper);
    head.setWeights(h);
    split.upper.setWeights(u);
    tf.dispose([...h, ...u]);
  };

  const run = async (opts: { stop?: boolean; resume?: TrainCheckpoint | null }): Promise<RunPhasesResult> => {
    let stop = false;
    return runPhases(plans(), {
      fit: sc.fit,
      runKey: 'resume-test',
      resume: opts.resume ?? null,
      hooks: {
        onBatch: (e) => {
          if (opts.stop && e.phase === sc.stopAt.phase && e.epoch === sc.stopAt.epoch && e.step === sc.stopAt.step) stop = true;
        },
        onCheckpoint: (c) => writeCheckpoint(ckptFile, c),
        shouldStop: () => stop,
      },
    });
  };

  const withoutTime = (rows: HistoryRow[]) => rows.map(({ seconds: _s, ...r }) => r);
  const summaries = (ps: PhaseSummary[]) => ps.map(({ seconds: _s, ...p }) => p);
  let straight: RunPhasesResult;
  let straightWeights: Float32Array[];
  let interrupted: RunPhasesResult;
  let checkpoint: TrainCheckpoint;
  let resumed: RunPhasesResult;
  let resumedWeights: Float32Array[];

  beforeAll(async () => {
    reset(false, false);
    straight = await run({});
    straightWeights = [...weightValues(head), ...weightValues(split.upper)];
    reset(false, false);
    interrupted = await run({ stop: true });
    checkpoint = await readCheckpoint(ckptFile);
    reset(true, checkpoint.progress.phase === 2);
    resumed = await run({ resume: checkpoint });
    resumedWeights = [...weightValues(head), ...weightValues(split.upper)];
    // Seconds of compute; the margin is for a loaded shared machine.
  }, 900_000);

  afterAll(() => {
    tf.dispose([...initialHead, ...initialUpper]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the interrupted run stopped where asked and its checkpoint says so', () => {
    expect(interrupted.interrupted).toBe(true);
    expect(checkpoint.progress.phase).toBe(sc.stopAt.phase);
    const atBoundary = sc.stopAt.step === 4;
    expect(checkpoint.progress.epochsDone).toBe(atBoundary ? sc.stopAt.epoch : sc.stopAt.epoch - 1);
    expect(checkpoint.progress.stepInEpoch).toBe(atBoundary ? 0 : sc.stopAt.step);
    expect(checkpoint.progress.partial === null).toBe(atBoundary);
    expect(checkpoint.optimizer.weights[0].name).toBe('iter');
  });

  test('resumed run ends with bit-identical weights, history and phase summaries', () => {
    expect(resumed.interrupted).toBe(false);
    expect(withoutTime(resumed.history)).toEqual(withoutTime(straight.history));
    expect(summaries(resumed.phases)).toEqual(summaries(straight.phases));
    expect(sameBits(resumedWeights, straightWeights)).toBe(true);
    expect(sameBits(bnStatistics(base), bn)).toBe(true);
  });

  test('the straight run trained (weights moved from their start)', () => {
    const start = [...initialHead, ...initialUpper].map((t) => Float32Array.from(t.dataSync() as Float32Array));
    expect(sameBits(straightWeights, start)).toBe(false);
    expect(straight.history.length).toBeGreaterThanOrEqual(4);
  });

  test('a checkpoint from other settings is refused', async () => {
    await expect(runPhases(plans(), { fit: sc.fit, runKey: 'something-else', resume: checkpoint })).rejects.toThrow(
      /different settings or data/,
    );
  });
});
