// CLI entry: parses argv with commander and turns typed errors into messages and exit codes.
// Sets the exit code; process.exit is called only by bin/tl and by the interrupt handler in
// training-render.ts (a second Ctrl-C aborts at once, without waiting for the batch).
import { CommanderError } from 'commander';
import { buildProgram } from './program';
import { ExitCode, TlError } from '../errors';

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err, argv.includes('--verbose'));
  }
}

/** Prints an error for a person and returns the exit code for it. */
export function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // Help and version "errors" are normal exits; commander already printed the message.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  const useColor = Boolean(process.stderr.isTTY) && !('NO_COLOR' in process.env);
  const red = (s: string) => (useColor ? `\u001b[31m${s}\u001b[39m` : s);
  if (err instanceof TlError) {
    process.stderr.write(`${red('error:')} ${err.message}\n`);
    if (err.hint) process.stderr.write(`  ${err.hint.split('\n').join('\n  ')}\n`);
    if (verbose && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`${red('internal error:')} ${e?.message ?? String(err)}\n`);
  process.stderr.write(verbose && e?.stack ? e.stack + '\n' : '  (run again with --verbose for the stack trace; please report it)\n');
  return ExitCode.internal;
}
