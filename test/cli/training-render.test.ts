// The training renderer on a fake clock: quick epochs (phase 1 on cached activations) are not
// one line each, slow epochs still get per-batch progress, first and last epochs always show.
import { Output } from '../../src/cli/output';
import { trainingRenderer } from '../../src/cli/training-render';
import type { PipelineEvent } from '../../src/pipeline/events';

function render(events: (clock: { t: number }) => Iterable<PipelineEvent>): string[] {
  const clock = { t: 0 };
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...chunk.toString().split('\n').filter((l) => l.trim() !== ''));
    return true;
  });
  try {
    const onEvent = trainingRenderer(new Output({ json: false, verbose: false, isTTY: false }), () => clock.t);
    for (const e of events(clock)) onEvent(e);
  } finally {
    spy.mockRestore();
  }
  return lines;
}

function* phase1(clock: { t: number }, epochs: number, stepsPerEpoch: number, msPerStep: number): Iterable<PipelineEvent> {
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let step = 1; step <= stepsPerEpoch; step++) {
      clock.t += msPerStep;
      yield { type: 'batch', event: { phase: 1, epoch, epochs, step, stepsPerEpoch, loss: 1, accuracy: 0.5, lr: 1e-3 } };
    }
    yield {
      type: 'epoch',
      row: { phase: 1, epoch, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, lr: 1e-3, seconds: (stepsPerEpoch * msPerStep) / 1000 },
      event: { globalEpoch: epoch, epochs, improved: false, bestEpoch: 1, stoppingEarly: false },
    };
  }
}

test('500 epochs of 4 ms steps: about one epoch line a second, no batch lines', () => {
  const lines = render((clock) => phase1(clock, 500, 4, 5)); // 10 s in all
  const epochLines = lines.filter((l) => /phase 1 epoch \d+\/500/.test(l));
  expect(epochLines[0]).toMatch(/epoch 1\/500/);
  expect(epochLines[epochLines.length - 1]).toMatch(/epoch 500\/500/);
  expect(epochLines.length).toBeGreaterThanOrEqual(10);
  expect(epochLines.length).toBeLessThanOrEqual(13);
  expect(lines.filter((l) => /^\s+epoch \d+\/500: \d+\/4/.test(l))).toEqual([]);
});

test('slow epochs: every epoch line, and per-batch progress within them', () => {
  const lines = render((clock) => phase1(clock, 3, 4, 2000));
  expect(lines.filter((l) => /phase 1 epoch \d\/3/.test(l))).toHaveLength(3);
  expect(lines.filter((l) => /^\s+epoch 2\/3: \d\/4/.test(l)).length).toBeGreaterThan(0);
  // The last batch's line would repeat the epoch line right after it.
  expect(lines.filter((l) => /^\s+epoch \d\/3: 4\/4/.test(l))).toEqual([]);
});

test('epochs of a second or two (phase 2 on a few images): epoch lines only in plain output', () => {
  const lines = render((clock) => phase1(clock, 5, 4, 400));
  expect(lines.filter((l) => /phase 1 epoch \d\/5/.test(l))).toHaveLength(5);
  expect(lines.filter((l) => /^\s+epoch \d\/5: /.test(l))).toEqual([]);
});

test('slow one-batch epochs (fine-tuning a few images): epoch lines only', () => {
  const lines = render((clock) => phase1(clock, 3, 1, 1500));
  expect(lines.filter((l) => /phase 1 epoch \d\/3/.test(l))).toHaveLength(3);
  expect(lines.filter((l) => /^\s+epoch \d\/3: /.test(l))).toEqual([]);
});
