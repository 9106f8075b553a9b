import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { parseTtlSeconds } from './parse-ttl.js';

/**
 * `codebolt token create --tenant <t> [--role member] [--ttl 1h] [--subject s] [--operator]`:
 * asks the relay to mint an access token (POST /v1/tokens, audited). A tenant admin mints for its
 * own tenant; only an operator (the local admin token is one) mints for others or `--operator`.
 * Prints the token alone (for `TOKEN=$(codebolt token create …)`), or the full record with --json.
 */
export function registerTokenCreate(token: Command, run: CliRun): void {
  token
    .command('create')
    .description('mint an access token for a tenant (tenant admin or relay operator)')
    .requiredOption('--tenant <tenant>', 'tenant the token belongs to')
    .option('--role <role>', 'admin, member or viewer', 'member')
    .option('--ttl <lifetime>', 'lifetime: 90s, 15m, 1h, 30d (at most 365d)', '1h')
    .option('--subject <subject>', 'the token\'s subject (default token:<tenant>:<random>)')
    .option('--operator', 'a relay operator token: crosses tenants (operators only)')
    .action(async (options: { tenant: string; role: string; ttl: string; subject?: string; operator?: boolean }, command: Command) => {
      const context = CommandContext.of(command, run);
      const ttlSeconds = parseTtlSeconds(options.ttl);
      const client = await context.client();
      const created = await client.tokens.create({
        tenant: options.tenant,
        role: options.role as 'admin' | 'member' | 'viewer',
        ttlSeconds,
        operator: options.operator === true,
        ...(options.subject ? { subject: options.subject } : {}),
      });
      context.print(created, () => created.token);
    });
}
