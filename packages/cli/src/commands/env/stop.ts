import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { runVerb } from './run-verb.js';

/** `codebolt env stop <id> [--no-wait]` */
export function registerEnvStop(env: Command, run: CliRun): void {
  env
    .command('stop')
    .description('stop an environment, keeping its resource, and wait until it is stopped')
    .argument('<id>', 'environment id or name')
    .option('--no-wait', 'return as soon as the relay accepted it')
    .action(async (idOrName: string, options: { wait: boolean }, command: Command) => {
      await runVerb(CommandContext.of(command, run), idOrName, 'stop', 'stopped', options.wait);
    });
}
