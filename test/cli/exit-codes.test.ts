// Usage errors exit 2 on every command (exit 1 is kept for a failed quality gate), and an unknown
// flag is named, with the nearest valid flag, even when a mandatory flag is missing too.
import { spawnSync } from 'child_process';
import * as path from 'path';

const bin = path.join(__dirname, '..', '..', 'bin', 'tl');

function tl(...args: string[]) {
  // These fail while parsing flags, before TensorFlow loads: a minute is only a hang guard.
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
}

const usageErrors: Array<[string, string[], RegExp]> = [
  ['unknown option on transfer', ['transfer', '--frobnicate', '--base', 'x'], /unknown option '--frobnicate'/],
  ['unknown option on evaluate', ['evaluate', '--frobnicate'], /unknown option '--frobnicate'/],
  ['unknown option on predict', ['predict', '--model', 'r', '--frobnicate', 'a.png'], /unknown option '--frobnicate'/],
  ['unknown option on pretrain', ['pretrain', '--data', 'd', '--out', 'o', '--frobnicate'], /unknown option '--frobnicate'/],
  ['unknown option on inspect', ['inspect', 'd', '--frobnicate'], /unknown option '--frobnicate'/],
  ['unknown option on doctor', ['doctor', '--frobnicate'], /unknown option '--frobnicate'/],
  ['unknown option on models list', ['models', 'list', '--frobnicate'], /unknown option '--frobnicate'/],
  ['invalid --optimizer', ['transfer', '--base', 'b', '--data', 'd', '--out', 'o', '--optimizer', 'bogus'], /--optimizer.*bogus.*adam/],
  ['invalid --resize', ['pretrain', '--data', 'd', '--out', 'o', '--resize', 'bogus'], /--resize.*bogus/],
  ['missing --base', ['transfer', '--data', 'd', '--out', 'o'], /--base/],
  ['missing --model', ['evaluate'], /--model/],
  ['missing predict input', ['predict', '--model', 'r'], /missing required argument 'inputs'/],
  ['missing models show argument', ['models', 'show'], /missing required argument/],
  ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
];

test.each(usageErrors)('%s exits 2 and says why', (_name, args, message) => {
  const r = tl(...args);
  expect(r.stderr).toMatch(message);
  expect(r.status).toBe(2);
});

test('a mistyped flag is named with the nearest valid one, before the missing mandatory flag', () => {
  const r = tl('transfer', '--bse', 'mobilenet-v2-nsfwjs', '--data', 'd', '--out', 'o');
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/unknown option '--bse'/);
  expect(r.stderr).toMatch(/Did you mean --base\?/);
});

test('help and version still exit 0', () => {
  expect(tl('--help').status).toBe(0);
  expect(tl('transfer', '--help').status).toBe(0);
  expect(tl('--version').status).toBe(0);
});
