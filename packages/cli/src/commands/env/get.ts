import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { formatEnvironment } from '../../output/format-records.js';

/** `codebolt env get <id>` */
export function registerEnvGet(env: Command, run: CliRun): void {
  env
    .command('get')
    .description('show one environment')
    .argument('<id>', 'environment id or name')
    .action(async (idOrName: string, _options: unknown, command: Command) => {
      const context = CommandContext.of(command, run);
      const environment = await (await context.client()).environments.get(idOrName);
      context.print(environment, () => formatEnvironment(environment));
    });
}
