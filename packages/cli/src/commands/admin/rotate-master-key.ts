import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';

/**
 * `codebolt admin rotate-master-key`: asks the running relay (operator token) to re-encrypt every
 * stored secret under a new master key with no downtime. Prints the old and new key ids.
 */
export function registerAdminRotateMasterKey(admin: Command, run: CliRun): void {
  admin
    .command('rotate-master-key')
    .description('re-encrypt every stored secret under a new master key (operator token)')
    .action(async (_options: unknown, command: Command) => {
      const context = CommandContext.of(command, run);
      const result = await (await context.client()).admin.rotateMasterKey();
      context.print(result, () => `master key rotated: ${result.previousKeyId} → ${result.keyId} (${result.reencrypted} secrets re-encrypted)`);
    });
}
