// The commander program: global flags and the table of commands, one file per command.
// Registering a command must stay cheap: implementations are imported inside actions.
import { Command } from 'commander';
import { TL_VERSION } from '../version';
import { registerSetup, registerDoctor } from './commands/setup';
import { registerModels } from './commands/models';
import { registerEvaluate } from './commands/evaluate';
import { registerPredict } from './commands/predict';
import { registerInspect } from './commands/inspect';
import { registerPretrain } from './commands/pretrain';
import { registerTransfer } from './commands/transfer';
import { registerCache } from './commands/cache';
import { registerCompletion } from './commands/completion';
import { registerAssess } from './commands/assess';
import { registerRun } from './commands/run';
import { registerCompare } from './commands/compare';
import { UsageError } from '../errors';
// Direct paths, not the data room's index: these two modules are pure and cheap to load.
import { configureImageLimits, MAX_IMAGE_BYTES_CEILING } from '../data/decode-config';
import { parseByteSize } from '../data/read-file';

export { TL_VERSION };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tl')
    .description(
      'Transfer learning for images on the native TensorFlow runtime: reuse a trained network on your own pictures.',
    )
    .version(TL_VERSION, '-V, --version', 'print the tl version')
    .option('--verbose', 'show TensorFlow start-up logs and extra detail on stderr')
    .option('--max-image-bytes <size>', 'largest file read as an image, with K, M or G (at most 2G); larger files are skipped', '64M')
    .hook('preAction', (root) => applyImageLimit(String(root.opts().maxImageBytes)))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ tl transfer --base mobilenet-v2-nsfwjs --data ./imgs --out runs/flowers
  $ tl pretrain --data fashion-mnist:0-4 --out models/source
  $ tl transfer --base models/source --data fashion-mnist:5-9 --limit-per-class 20 --out runs/few
  $ tl evaluate --model runs/few --min-accuracy 0.8
  $ tl assess --base mobilenet-v2-nsfwjs --data fashion-mnist:5-9 --limit-per-class 20
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
  registerAssess(program);
  registerCache(program);
  registerCompletion(program);
  registerRun(program);
  registerCompare(program);
  forEachCommand(program, (command) => {
    // Usage errors throw instead of exiting (commander's own exit code is 1, which tl keeps for a
    // failed gate); main.ts maps them to exit 2. Unknown flags get the nearest flag's name.
    command.exitOverride();
    command.showSuggestionAfterError(true);
    command.showHelpAfterError('(run with --help for usage)');
    reportUnknownOptionsFirst(command);
  });
  return program;
}

/**
 * Commander checks for missing mandatory options before unknown ones, so `tl transfer --bse x`
 * would say "--base not specified" instead of naming the typo. Check unknown options first.
 * (Wraps one internal method of commander 14; if it is ever renamed, the old order returns.)
 */
function reportUnknownOptionsFirst(command: Command): void {
  const internal = command as unknown as {
    _checkForMissingMandatoryOptions?: () => void;
    _findOption(flag: string): unknown;
    _allowUnknownOption: boolean;
    unknownOption(flag: string): never;
  };
  const checkMandatory = internal._checkForMissingMandatoryOptions;
  if (typeof checkMandatory !== 'function') return;
  internal._checkForMissingMandatoryOptions = function (this: typeof internal) {
    // After parsing, `args` holds the operands and the unknown options with their values.
    const unknown = command.args.find((a) => a.startsWith('-') && a !== '-' && !/^-\d/.test(a) && !this._findOption(a.split('=')[0]));
    if (unknown !== undefined && !this._allowUnknownOption) this.unknownOption(unknown);
    checkMandatory.call(this);
  };
}

/** --max-image-bytes: checked here, so a bad value is a usage error before any work. */
function applyImageLimit(text: string): void {
  const bytes = parseByteSize(text);
  if (bytes === undefined || bytes < 1 || bytes > MAX_IMAGE_BYTES_CEILING) {
    throw new UsageError(`--max-image-bytes ${text} is not a size from 1 byte to 2G`, 'Give a number of bytes with an optional K, M or G suffix, e.g. --max-image-bytes 200M.');
  }
  configureImageLimits({ maxBytes: bytes });
}

/** Calls `visit` on `command` and every subcommand below it. */
function forEachCommand(command: Command, visit: (c: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}
