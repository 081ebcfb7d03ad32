// The commander program: global flags and the table of commands, one file per command.
// Registering a command must stay cheap: implementations are imported inside actions.
import { Command } from 'commander';
import { registerSetup, registerDoctor } from './commands/setup';
import { registerModels } from './commands/models';
import { registerEvaluate } from './commands/evaluate';
import { registerPredict } from './commands/predict';
import { registerInspect } from './commands/inspect';
import { registerPretrain } from './commands/pretrain';
import { registerTransfer } from './commands/transfer';

export const TL_VERSION: string = require('../../package.json').version;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tl')
    .description(
      'Transfer learning for images on the native TensorFlow runtime: reuse a trained network on your own pictures.',
    )
    .version(TL_VERSION, '-V, --version', 'print the tl version')
    .option('--verbose', 'show TensorFlow start-up logs and extra detail on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ tl transfer --base mobilenet-v2-nsfwjs --data ./imgs --out runs/flowers
  $ tl pretrain --data fashion-mnist:0-4 --out models/source
  $ tl transfer --base models/source --data fashion-mnist:5-9 --limit-per-class 20 --out runs/few
  $ tl evaluate --model runs/few --min-accuracy 0.8
  $ tl doctor --json

Exit codes: 0 ok, 1 quality gate not met, 2 usage, 3 data, 4 model, 5 native backend,
70 internal error, 130 interrupted.`,
    );

  // The table of commands. Each register* adds one command with its flags and examples.
  registerSetup(program);
  registerDoctor(program);
  registerModels(program);
  registerEvaluate(program);
  registerPredict(program);
  registerInspect(program);
  registerPretrain(program);
  registerTransfer(program);
  return program;
}
