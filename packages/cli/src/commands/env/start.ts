import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { runVerb } from './run-verb.js';

/** `codebolt env start <id> [--no-wait]` */
export function registerEnvStart(env: Command, run: CliRun): void {
  env
    .command('start')
    .description('start a stopped (or failed) environment and wait until it is running')
    .argument('<id>', 'environment id or name')
    .option('--no-wait', 'return as soon as the relay accepted it')
    .action(async (idOrName: string, options: { wait: boolean }, command: Command) => {
      await runVerb(CommandContext.of(command, run), idOrName, 'start', 'running', options.wait);
    });
}
