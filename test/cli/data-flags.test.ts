// Tests of the shared data flags: defaults, conversions and UsageErrors naming each flag.
import { Command } from 'commander';
import { addDataOptions, dataOptionsFrom } from '../../src/cli/data-flags';
import { UsageError } from '../../src/errors';
import { defaultAugmentConfig } from '../../src/data/augment';

function parse(args: string[], cfg?: Parameters<typeof addDataOptions>[1]) {
  const cmd = new Command('x').exitOverride().configureOutput({ writeErr: () => undefined });
  addDataOptions(cmd, cfg);
  cmd.parse(args, { from: 'user' });
  return dataOptionsFrom(cmd.opts());
}

describe('data flags', () => {
  it('has the documented defaults', () => {
    expect(parse(['--data', 'imgs'])).toEqual({ data: 'imgs', valSplit: 0.1, testSplit: 0.1, seed: 42 });
  });

  it('converts every flag', () => {
    const o = parse(['--data', 'fashion-mnist:0-4', '--val-split', '0.2', '--test-split', '0', '--seed', '7', '--limit-per-class', '20', '--augment', 'flip', '--resize', 'contain']);
    expect(o).toMatchObject({ data: 'fashion-mnist:0-4', valSplit: 0.2, testSplit: 0, seed: 7, limitPerClass: 20, resize: 'contain' });
    expect(o.augment).toMatchObject({ flip: true, rotationDeg: 0 });
    expect(parse(['--augment']).augment).toEqual(defaultAugmentConfig());
    expect(parse(['--augment', 'none']).augment).toBeUndefined();
  });

  it('names the flag in each UsageError', () => {
    const cases: [string[], RegExp][] = [
      [['--val-split', '1'], /--val-split/],
      [['--val-split', 'x'], /--val-split/],
      [['--test-split', '-0.1'], /--test-split/],
      [['--val-split', '0.5', '--test-split', '0.5'], /leave no images for training/],
      [['--seed', '1.5'], /--seed/],
      [['--limit-per-class', '0'], /--limit-per-class/],
      [['--limit-per-class', '3x'], /--limit-per-class/],
      [['--augment', 'blur'], /--augment/],
    ];
    for (const [args, re] of cases) {
      expect(() => parse(args)).toThrow(UsageError);
      expect(() => parse(args)).toThrow(re);
    }
  });

  it('lets commander refuse an unknown --resize mode and a missing required --data', () => {
    expect(() => parse(['--resize', 'crop'])).toThrow(/--resize/);
    expect(() => parse([], { required: true })).toThrow(/--data/);
  });

  it('leaves out --augment and --resize when asked', () => {
    const cmd = new Command('x');
    addDataOptions(cmd, { augment: false, resize: false });
    const flags = cmd.options.map((o) => o.long);
    expect(flags).toEqual(['--data', '--val-split', '--test-split', '--seed', '--limit-per-class']);
  });
});
