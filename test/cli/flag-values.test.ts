// The flag parsers: accepted ranges, and a UsageError naming the flag for everything else.
import { fraction, positiveDecimal, wholeNumber, wholeNumberOrAuto } from '../../src/cli/flag-values';
import { UsageError } from '../../src/errors';

describe('flag values', () => {
  it('wholeNumber takes digits within its limits and nothing else', () => {
    expect(wholeNumber('--n', undefined)).toBeUndefined();
    expect(wholeNumber('--n', ' 12 ')).toBe(12);
    expect(wholeNumber('--seed', '0', { min: 0 })).toBe(0);
    for (const bad of ['0', '-1', '1.5', '1e3', '', 'ten', '4097']) {
      expect(() => wholeNumber('--batch-size', bad, { max: 4096 })).toThrow(UsageError);
      expect(() => wholeNumber('--batch-size', bad, { max: 4096 })).toThrow(/--batch-size must be a whole number from 1 to 4096/);
    }
  });

  it('wholeNumberOrAuto takes auto or a count from 0', () => {
    expect(wholeNumberOrAuto('--epochs', 'auto')).toBe('auto');
    expect(wholeNumberOrAuto('--epochs', '0')).toBe(0);
    expect(wholeNumberOrAuto('--epochs', undefined)).toBeUndefined();
    for (const bad of ['-2', '2.5', 'Auto!', '']) expect(() => wholeNumberOrAuto('--epochs', bad)).toThrow(/--epochs .*or auto/);
  });

  it('positiveDecimal refuses 0 unless zeroAllowed, and anything above max', () => {
    expect(positiveDecimal('--lr', '0.001', { max: 10 })).toBe(0.001);
    expect(() => positiveDecimal('--lr', '0', { max: 10 })).toThrow(/--lr must be a number > 0 and <= 10/);
    expect(positiveDecimal('--dropout', '0', { max: 0.95, zeroAllowed: true })).toBe(0);
    for (const bad of ['0.96', '-0.1', 'NaN', 'Infinity', '']) expect(() => positiveDecimal('--dropout', bad, { max: 0.95, zeroAllowed: true })).toThrow(/--dropout/);
  });

  it('fraction is [0, 1)', () => {
    expect(fraction('--val-split', '0')).toBe(0);
    expect(fraction('--val-split', '0.25')).toBe(0.25);
    for (const bad of ['1', '-0.1', 'x', '']) expect(() => fraction('--val-split', bad)).toThrow(/--val-split must be a fraction/);
  });
});
