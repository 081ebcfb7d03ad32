// `tl assess` through the CLI: an ImageNet base (the offline MobileNetV2) on digits is likely to
// help, with --json on stdout and assess.html / assess.json written by --report.
import * as fs from 'fs';
import * as path from 'path';
import { removeDir, tempDir } from '../helpers/temp';
import { runCli } from '../helpers/cli';

const tmp = tempDir('assess-cli');
afterAll(() => removeDir(tmp));

test('tl assess: an ImageNet base on digits is likely to help; --json and --report', async () => {
  const report = path.join(tmp, 'report');
  const run = await runCli(['assess', '--base', 'mobilenet-v2-nsfwjs', '--data', 'mnist:5-9', '--limit-per-class', '100', '--layers', 'block_13_expand_relu', '--json', '--report', report]);
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  const r = JSON.parse(run.stdout);
  expect(r.verdict).toBe('likely');
  expect(r.suggestedCutLayer).toBe('block_13_expand_relu');
  expect(r.probes).toHaveLength(1);
  expect(r.probes[0].accuracy).toBeGreaterThan(r.baselines.pixels + 0.03);
  expect(r.probes[0].accuracy).toBeGreaterThan(r.baselines.randomBase + 0.03);
  expect(r.inputMatch.warnings.join(' ')).toMatch(/28x28 grey images into a 224x224 colour network/);
  expect(r.dataSize.base.images).toBe(1281167);
  expect(fs.readFileSync(path.join(report, 'assess.html'), 'utf8')).toContain('Transfer is likely to help.');
  expect(JSON.parse(fs.readFileSync(path.join(report, 'assess.json'), 'utf8')).verdict).toBe('likely');
});
