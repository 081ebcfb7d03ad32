// `tl completion bash|zsh|fish`: prints a shell completion script built from this very program.
import { Command } from 'commander';
import { UsageError } from '../../errors';
import { completionScript, SHELLS, Shell } from '../completion';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (subcommands, flags, zoo names for --base, run directories for --model)')
    .argument('<shell>', `one of ${SHELLS.join(', ')}`)
    .addHelpText('after', `
Examples:
  $ source <(tl completion bash)                          # this shell; add the line to ~/.bashrc to keep it
  $ tl completion bash > ~/.local/share/bash-completion/completions/tl
  $ source <(tl completion zsh)                           # in ~/.zshrc
  $ tl completion fish > ~/.config/fish/completions/tl.fish`)
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new UsageError(`unknown shell '${shell}'`, `Give one of: ${SHELLS.join(', ')}, e.g. \`tl completion bash\`.`);
      }
      // Cheap: the zoo registry is one small JSON file; nothing heavy is loaded.
      const { loadZoo } = require('../../models/zoo') as typeof import('../../models/zoo');
      const zooNames = loadZoo().models.map((m) => m.name);
      process.stdout.write(completionScript(shell as Shell, program, { zooNames }));
    });
}
