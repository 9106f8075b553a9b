import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { runVerb } from './run-verb.js';

/** `codebolt env restart <id> [--no-wait]` */
export function registerEnvRestart(env: Command, run: CliRun): void {
  env
    .command('restart')
    .description('restart an environment and wait until it is running')
    .argument('<id>', 'environment id or name')
    .option('--no-wait', 'return as soon as the relay accepted it')
    .action(async (idOrName: string, options: { wait: boolean }, command: Command) => {
      await runVerb(CommandContext.of(command, run), idOrName, 'restart', 'running', options.wait);
    });
}
