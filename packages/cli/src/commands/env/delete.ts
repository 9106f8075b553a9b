import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { WAIT_TIMEOUT_MS } from './wait-timeout.js';

/** `codebolt env delete <id> [--no-wait]`: destroys the resource and removes the record. */
export function registerEnvDelete(env: Command, run: CliRun): void {
  env
    .command('delete')
    .description('delete an environment (destroys its resource) and wait until it is gone')
    .argument('<id>', 'environment id or name')
    .option('--no-wait', 'return as soon as the relay accepted it (state deleting)')
    .action(async (idOrName: string, options: { wait: boolean }, command: Command) => {
      const context = CommandContext.of(command, run);
      const client = await context.client();
      const { id } = await client.environments.get(idOrName);
      const environment = await client.environments.delete(id);
      if (options.wait) await context.withProgress(`${environment.name}: deleting`, (onProgress) => client.environments.waitForDeleted(id, { timeoutMs: WAIT_TIMEOUT_MS, onProgress }));
      context.print(environment, () => `${environment.name} (${environment.id}): ${options.wait ? 'deleted' : environment.state}`);
    });
}
