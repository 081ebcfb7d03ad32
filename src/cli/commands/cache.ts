// `tl cache verify|clear`: checks the activation cache against its checksums, or empties it.
// Flags and output only; the work is in src/train/cache-admin.ts (no TensorFlow needed).
import { Command } from 'commander';
import { Output } from '../output';
import { DataError } from '../../errors';

interface Flags {
  json?: boolean;
}

function outputFor(flags: Flags, cmd: Command): Output {
  return new Output({ json: Boolean(flags.json), verbose: Boolean(cmd.optsWithGlobals().verbose) });
}

async function runVerify(flags: Flags, cmd: Command): Promise<void> {
  const out = outputFor(flags, cmd);
  const { verifyActivationCache } = await import('../../train/cache-admin');
  const { cacheArea } = await import('../../cache-dir');
  const check = verifyActivationCache(cacheArea('activations'));
  if (out.json) out.result(check);
  else {
    out.info(`${check.area}: ${check.keys} key folder(s), ${check.good} good entries (${(check.bytes / 1e6).toFixed(1)} MB)`);
    for (const d of check.damaged.slice(0, 20)) out.warn(`${d.path}: ${d.reason}`);
    if (check.damaged.length > 20) out.warn(`... and ${check.damaged.length - 20} more`);
  }
  if (check.damaged.length > 0) {
    const areaIsFile = check.damaged.some((d) => d.path === check.area);
    throw new DataError(
      areaIsFile ? `the activation cache ${check.area} is a file, not a folder` : `${check.damaged.length} damaged activation cache item(s) found and removed`,
      areaIsFile ? 'Run `tl cache clear` to remove it.' : 'Runs recompute what was removed; nothing else to do.',
    );
  }
}

async function runClear(flags: Flags, cmd: Command): Promise<void> {
  const out = outputFor(flags, cmd);
  const { clearActivationCache } = await import('../../train/cache-admin');
  const { cacheArea } = await import('../../cache-dir');
  const cleared = clearActivationCache(cacheArea('activations'));
  if (out.json) out.result(cleared);
  else out.info(`emptied ${cleared.area}: ${(cleared.bytes / 1e6).toFixed(1)} MB freed`);
}

export function registerCache(program: Command): void {
  const cache = program
    .command('cache')
    .description("the activation cache (frozen-base outputs kept between runs): check it or empty it")
    .addHelpText('after', `
Examples:
  $ tl cache verify          # every entry against its checksum; damaged ones are removed (exit 3 if any)
  $ tl cache clear --json    # empty it; prints the bytes freed

The cache lives in $TL_CACHE_DIR/activations (default ~/.cache/tl/activations). Models and the
native library have their own areas beside it and are not touched.`);
  cache
    .command('verify')
    .description('check every activation-cache entry against its checksum; remove damaged ones (exit 3 if any were found)')
    .option('--json', 'print the counts as JSON')
    .action((flags: Flags, cmd: Command) => runVerify(flags, cmd));
  cache
    .command('clear')
    .description('delete the activation cache (runs recompute what they need)')
    .option('--json', 'print what was freed as JSON')
    .action((flags: Flags, cmd: Command) => runClear(flags, cmd));
}
