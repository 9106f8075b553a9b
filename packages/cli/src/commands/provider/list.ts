import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { formatProviderTable } from '../../output/format-records.js';

/** `codebolt provider list` */
export function registerProviderList(provider: Command, run: CliRun): void {
  provider
    .command('list')
    .description('list installed providers (--json shows their config schemas)')
    .action(async (_options: unknown, command: Command) => {
      const context = CommandContext.of(command, run);
      const providers = await (await context.client()).providers.list();
      context.print(providers, () => formatProviderTable(providers));
    });
}
