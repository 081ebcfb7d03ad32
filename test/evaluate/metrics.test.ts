// Hand-computed checks of the pure metrics; no TensorFlow is loaded here.
import {
  accuracy,
  argmax,
  averages,
  calibration,
  computeMetrics,
  confusionMatrix,
  crossEntropy,
  defaultTopK,
  mostConfidentMistakes,
  perClassMetrics,
  topKAccuracy,
} from '../../src/evaluate/metrics';

// Three classes, six examples. Worked by hand:
//   #  true  probs              predicted
//   0  a     .70 .20 .10        a  right
//   1  a     .30 .60 .10        b  wrong (p=.6)
//   2  b     .20 .50 .30        b  right
//   3  b     .10 .40 .50        c  wrong (p=.5)
//   4  c     .10 .10 .80        c  right
//   5  c     .25 .25 .50        c  right
const labels = ['a', 'b', 'c'];
const ids = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];
const yTrue = [0, 0, 1, 1, 2, 2];
const probs = [
  [0.7, 0.2, 0.1],
  [0.3, 0.6, 0.1],
  [0.2, 0.5, 0.3],
  [0.1, 0.4, 0.5],
  [0.1, 0.1, 0.8],
  [0.25, 0.25, 0.5],
];

describe('metrics on a hand-worked three-class case', () => {
  test('accuracy and argmax (ties to the lowest index)', () => {
    expect(probs.map(argmax)).toEqual([0, 1, 1, 2, 2, 2]);
    expect(argmax([0.4, 0.4, 0.2])).toBe(0);
    expect(accuracy(yTrue, probs.map(argmax))).toBeCloseTo(4 / 6, 12);
  });

  test('cross-entropy is the mean of -ln p(true)', () => {
    const expected = -(Math.log(0.7) + Math.log(0.3) + Math.log(0.5) + Math.log(0.4) + Math.log(0.8) + Math.log(0.5)) / 6;
    expect(crossEntropy(yTrue, probs)).toBeCloseTo(expected, 10);
  });

  test('cross-entropy clips zero probabilities instead of returning Infinity', () => {
    const loss = crossEntropy([1], [[1, 0]], 1e-7);
    expect(loss).toBeCloseTo(-Math.log(1e-7), 6);
    expect(Number.isFinite(loss)).toBe(true);
  });

  test('top-k accuracy, including ties at the boundary', () => {
    expect(topKAccuracy(yTrue, probs, 1)).toBeCloseTo(4 / 6, 12);
    expect(topKAccuracy(yTrue, probs, 2)).toBe(1);
    // true class 0 tied with class 1 at 0.25, only class 2 is strictly higher: inside the top 2, not top 1.
    expect(topKAccuracy([0], [[0.25, 0.25, 0.5]], 2)).toBe(1);
    expect(topKAccuracy([0], [[0.25, 0.25, 0.5]], 1)).toBe(0);
    expect(() => topKAccuracy(yTrue, probs, 0)).toThrow(/k >= 1/);
  });

  test('confusion matrix rows are true classes, columns predictions', () => {
    expect(confusionMatrix(yTrue, probs.map(argmax), 3)).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
    expect(() => confusionMatrix([3], [0], 3)).toThrow(/out of range/);
  });

  test('per-class precision, recall, F1 and support', () => {
    const pc = perClassMetrics(confusionMatrix(yTrue, probs.map(argmax), 3), labels);
    // a: tp 1, predicted 1, support 2 -> p 1, r .5, f1 2/3
    // b: tp 1, predicted 2, support 2 -> p .5, r .5, f1 .5
    // c: tp 2, predicted 3, support 2 -> p 2/3, r 1, f1 .8
    const expected = [
      ['a', 1, 0.5, 2 / 3, 2],
      ['b', 0.5, 0.5, 0.5, 2],
      ['c', 2 / 3, 1, 0.8, 2],
    ] as const;
    expected.forEach(([label, p, r, f1, support], c) => {
      expect(pc[c].label).toBe(label);
      expect(pc[c].precision).toBeCloseTo(p, 12);
      expect(pc[c].recall).toBeCloseTo(r, 12);
      expect(pc[c].f1).toBeCloseTo(f1, 12);
      expect(pc[c].support).toBe(support);
    });
  });

  test('macro and weighted averages', () => {
    const m = computeMetrics({ labels, ids, yTrue, probs });
    expect(m.macro.precision).toBeCloseTo((1 + 0.5 + 2 / 3) / 3, 12);
    expect(m.macro.recall).toBeCloseTo((0.5 + 0.5 + 1) / 3, 12);
    expect(m.macro.f1).toBeCloseTo((2 / 3 + 0.5 + 0.8) / 3, 12);
    // Equal supports: weighted equals macro here; the unequal case is checked below.
    expect(m.weighted.f1).toBeCloseTo(m.macro.f1, 12);
  });

  test('weighted averages weigh by support; absent classes are left out of both', () => {
    // Classes a (3 examples) and b (1 example); class c never occurs nor is predicted.
    // cm = [[2,1,0],[0,1,0],[0,0,0]]: a p 1 r 2/3 f1 .8 ; b p .5 r 1 f1 2/3
    const cm = [
      [2, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ];
    const pc = perClassMetrics(cm, labels);
    const { macro, weighted } = averages(pc, [2, 2, 0]);
    expect(macro.f1).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
    expect(weighted.f1).toBeCloseTo((0.8 * 3 + (2 / 3) * 1) / 4, 12);
    expect(weighted.recall).toBeCloseTo(((2 / 3) * 3 + 1 * 1) / 4, 12);
    // A class that is predicted but never true has support 0 and still counts in the macro mean.
    const { macro: m2 } = averages(perClassMetrics([[1, 1], [0, 0]], ['a', 'b']), [1, 1]);
    expect(m2.precision).toBeCloseTo((1 + 0) / 2, 12);
  });

  test('expected calibration error with 15 equal-width bins', () => {
    // Confidences 0.9 (right), 0.9 (wrong), 0.62 (right), 0.62 (right).
    // bin (13/15, 14/15]: acc .5, conf .9 ; bin (9/15, 10/15]: acc 1, conf .62
    // ECE = 2/4 * |.5 - .9| + 2/4 * |1 - .62| = .2 + .19 = .39
    const cal = calibration(
      [0, 1, 0, 1],
      [
        [0.9, 0.1],
        [0.9, 0.1],
        [0.62, 0.38],
        [0.38, 0.62],
      ],
      15,
    );
    expect(cal.ece).toBeCloseTo(0.39, 12);
    expect(cal.bins).toHaveLength(15);
    expect(cal.bins[13]).toMatchObject({ count: 2 });
    expect(cal.bins[13].accuracy).toBeCloseTo(0.5, 12);
    expect(cal.bins[9]).toMatchObject({ count: 2, accuracy: 1 });
    expect(cal.bins.reduce((s, b) => s + b.count, 0)).toBe(4);
    // Certain and right everywhere: perfectly calibrated, in the last bin.
    const perfect = calibration([0, 1], [[1, 0], [0, 1]], 15);
    expect(perfect.ece).toBe(0);
    expect(perfect.bins[14].count).toBe(2);
  });

  test('most confident mistakes, most confident first', () => {
    const all = mostConfidentMistakes(ids, yTrue, probs, labels, 10);
    expect(all).toEqual([
      { id: 'x1', trueIndex: 0, predictedIndex: 1, trueLabel: 'a', predictedLabel: 'b', probability: 0.6, trueProbability: 0.3 },
      { id: 'x3', trueIndex: 1, predictedIndex: 2, trueLabel: 'b', predictedLabel: 'c', probability: 0.5, trueProbability: 0.4 },
    ]);
    expect(mostConfidentMistakes(ids, yTrue, probs, labels, 1).map((m) => m.id)).toEqual(['x1']);
  });

  test('computeMetrics puts it together; top-k only when asked', () => {
    const m = computeMetrics({ labels, ids, yTrue, probs }, { topK: 2 });
    expect(m.count).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.topK).toEqual({ k: 2, accuracy: 1 });
    expect(computeMetrics({ labels, ids, yTrue, probs }).topK).toBeUndefined();
    expect(() => computeMetrics({ labels: ['a', 'b'], ids, yTrue, probs })).toThrow(/3 entries but there are 2 labels/);
  });

  test('default top-k is 5 only with more than 5 classes', () => {
    expect(defaultTopK(5)).toBeUndefined();
    expect(defaultTopK(6)).toBe(5);
  });

  test('empty input gives zeros, not NaN', () => {
    const m = computeMetrics({ labels, ids: [], yTrue: [], probs: [] });
    expect(m.accuracy).toBe(0);
    expect(m.loss).toBe(0);
    expect(m.calibration.ece).toBe(0);
    expect(m.macro.f1).toBe(0);
  });
});
