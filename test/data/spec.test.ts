// Pure tests of the --data spec parser: built-in sets, class subsets, paths. No TensorFlow.
import { parseDataSpec } from '../../src/data/spec';
import { UsageError } from '../../src/errors';

describe('parseDataSpec', () => {
  it('reads a whole built-in set', () => {
    expect(parseDataSpec('fashion-mnist')).toEqual({ kind: 'builtin', set: 'fashion-mnist', classIndices: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(parseDataSpec('MNIST')).toEqual({ kind: 'builtin', set: 'mnist', classIndices: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });

  it('reads ranges, lists, mixtures and names, sorted and merged', () => {
    expect(parseDataSpec('fashion-mnist:0-4')).toMatchObject({ classIndices: [0, 1, 2, 3, 4] });
    expect(parseDataSpec('fashion-mnist:5,6,9')).toMatchObject({ classIndices: [5, 6, 9] });
    expect(parseDataSpec('mnist:9, 0-2 ,1')).toMatchObject({ set: 'mnist', classIndices: [0, 1, 2, 9] });
    expect(parseDataSpec('fashion-mnist:Bag,t-shirt/top,ankle boot')).toMatchObject({ classIndices: [0, 8, 9] });
  });

  it('refuses classes that do not exist, backwards ranges and empty items, naming --data', () => {
    for (const bad of ['fashion-mnist:0-10', 'fashion-mnist:4-2', 'mnist:1,,2', 'fashion-mnist:hat', 'mnist:12']) {
      expect(() => parseDataSpec(bad)).toThrow(UsageError);
      expect(() => parseDataSpec(bad)).toThrow(/--data/);
    }
    try {
      parseDataSpec('fashion-mnist:hat');
    } catch (err) {
      expect((err as UsageError).hint).toMatch(/8 bag/);
    }
  });

  it('treats anything else as a path, including ./fashion-mnist', () => {
    expect(parseDataSpec('./imgs')).toEqual({ kind: 'path', path: './imgs' });
    expect(parseDataSpec('./fashion-mnist')).toEqual({ kind: 'path', path: './fashion-mnist' });
    expect(parseDataSpec('data/labels.csv')).toEqual({ kind: 'path', path: 'data/labels.csv' });
    expect(parseDataSpec('C:/x')).toEqual({ kind: 'path', path: 'C:/x' });
    expect(() => parseDataSpec('  ')).toThrow(UsageError);
  });
});
