// `tl completion`: the bash script is valid bash, lists every subcommand and flag of the program,
// completes zoo names for --base and run directories for --model; zsh and fish scripts are made.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildProgram } from '../../src/cli/program';
import { commandWords } from '../../src/cli/completion';
import { loadZoo } from '../../src/models/zoo';
import { runCli } from '../helpers/cli';

const hasBash = spawnSync('bash', ['--version']).status === 0;
let work: string;
let bashScriptFile: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-completion-'));
  const r = await runCli(['completion', 'bash']);
  expect(r.code).toBe(0);
  bashScriptFile = path.join(work, 'tl.bash');
  fs.writeFileSync(bashScriptFile, r.stdout);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs the completion function on a command line (words; the last one is being completed). */
function complete(words: string[], cwd = work): string[] {
  const script = `source ${JSON.stringify(bashScriptFile)}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tl; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

(hasBash ? test : test.skip)('the bash script parses (bash -n) and names every subcommand and flag of the program', () => {
  expect(spawnSync('bash', ['-n', bashScriptFile]).status).toBe(0);
  const text = fs.readFileSync(bashScriptFile, 'utf8');
  const cmds = commandWords(buildProgram());
  expect(cmds.length).toBeGreaterThan(10);
  for (const c of cmds) {
    for (const sub of c.subcommands) expect(text).toContain(sub);
    for (const f of c.flags) expect(text).toContain(f);
    // Each command's own line carries exactly its flags.
    const line = text.split('\n').find((l) => l.trim().startsWith(`"${c.path.length ? c.path.join(' ') : 'tl'}")`));
    expect(line).toBeDefined();
    for (const f of c.flags) expect(line!.split('flags="')[1].split('"')[0].split(' ')).toContain(f);
  }
  expect(cmds.find((c) => c.path.join(' ') === 'transfer')!.flags).toEqual(expect.arrayContaining(['--base', '--out', '--fine-tune-epochs']));
});

(hasBash ? test : test.skip)('bash completes subcommands, flags, zoo names for --base and run directories for --model', () => {
  expect(complete(['tl', 'tr'])).toEqual(['transfer']);
  expect(complete(['tl', 'models', 'l'])).toEqual(['list']);
  expect(complete(['tl', 'transfer', '--fine-t'])).toEqual(['--fine-tune-epochs', '--fine-tune-lr', '--fine-tune-layers']);
  const zoo = loadZoo().models.map((m) => m.name);
  expect(complete(['tl', 'transfer', '--base', ''])).toEqual(expect.arrayContaining(zoo));
  fs.mkdirSync(path.join(work, 'runs', 'done'), { recursive: true });
  fs.mkdirSync(path.join(work, 'runs', 'not-a-run'), { recursive: true });
  fs.writeFileSync(path.join(work, 'runs', 'done', 'tl.json'), '{}');
  expect(complete(['tl', 'evaluate', '--model', ''])).toEqual(['runs/']);
  expect(complete(['tl', 'evaluate', '--model', 'runs/'])).toEqual(['runs/done']);
});

test('zsh and fish scripts; an unknown shell is a usage error', async () => {
  const zsh = await runCli(['completion', 'zsh']);
  expect(zsh.code).toBe(0);
  expect(zsh.stdout).toContain('bashcompinit');
  const fish = await runCli(['completion', 'fish']);
  expect(fish.code).toBe(0);
  expect(fish.stdout).toContain("complete -c tl -n '__fish_seen_subcommand_from transfer' -l base -r -a 'mobilenet");
  expect(fish.stdout).toContain('-l fine-tune-epochs');
  const bad = await runCli(['completion', 'tcsh']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("unknown shell 'tcsh'");
});
