// The CLI's option defaults (what `--help` shows and what a bare command uses) must equal the
// library's defaults (what transfer()/pretrain() use when called from code or a bench): one run,
// one result, whichever way it is started.
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/program';
import { defaultTransferOptions } from '../../src/pipeline/transfer';
import { defaultPretrainOptions } from '../../src/pipeline/pretrain';

function cliDefaults(name: string): Map<string, unknown> {
  const cmd = buildProgram().commands.find((c: Command) => c.name() === name);
  if (!cmd) throw new Error(`no command ${name}`);
  const out = new Map<string, unknown>();
  for (const o of cmd.options as Option[]) if (o.defaultValue !== undefined && !o.negate) out.set(o.attributeName(), o.defaultValue);
  return out;
}

/** Library defaults flattened the way the CLI names them (the head's settings are flags of their own). */
function libraryDefaults(opts: object): Map<string, unknown> {
  const flat = new Map<string, unknown>(Object.entries(opts));
  const head = (opts as { head?: object }).head;
  if (head) for (const [k, v] of Object.entries(head)) flat.set(k, v);
  return flat;
}

test.each([
  ['transfer', defaultTransferOptions()],
  ['pretrain', defaultPretrainOptions()],
])('tl %s: every CLI default equals the library default', (name, lib) => {
  const library = libraryDefaults(lib);
  const compared: string[] = [];
  for (const [key, cli] of cliDefaults(name)) {
    if (!library.has(key)) continue; // CLI-only flags (--json, --overwrite handled as booleans, ...)
    const want = library.get(key);
    // The CLI holds flag text ("0.001", "auto"); the library holds parsed values.
    expect({ key, value: typeof want === 'number' ? Number(cli) : cli }).toEqual({ key, value: want });
    compared.push(key);
  }
  expect(compared).toEqual(expect.arrayContaining(['epochs', 'patience', 'batchSize', 'lr', 'schedule', 'optimizer', 'seed']));
});
