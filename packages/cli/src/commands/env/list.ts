import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { formatEnvironmentTable } from '../../output/format-records.js';

/** `codebolt env list` */
export function registerEnvList(env: Command, run: CliRun): void {
  env
    .command('list')
    .description('list environments')
    .action(async (_options: unknown, command: Command) => {
      const context = CommandContext.of(command, run);
      const environments = await (await context.client()).environments.list();
      context.print(environments, () => formatEnvironmentTable(environments));
    });
}
