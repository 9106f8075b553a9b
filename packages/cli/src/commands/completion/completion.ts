import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { COMPLETION_SHELLS, type CompletionShell, completionScript } from './completion-script.js';

/** `codebolt completion bash|zsh`: prints a completion script for the whole command tree. */
export function registerCompletion(program: Command, run: CliRun): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(codebolt completion bash)')
    .argument('<shell>', COMPLETION_SHELLS.join(' or '))
    .action((shell: string, _options: unknown, command: Command) => {
      const context = CommandContext.of(command, run);
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
        throw new CliError('bad-request', `no completion for shell "${shell}"`, { fix: `use one of: ${COMPLETION_SHELLS.join(', ')}` });
      }
      const script = completionScript(program, shell as CompletionShell);
      context.print({ shell, script }, () => script.trimEnd());
    });
}
