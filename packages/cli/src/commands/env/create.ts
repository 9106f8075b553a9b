import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { parseConfigPairs } from '../../config-pairs.js';
import { parseDuration } from '../../duration.js';
import { formatEnvironment } from '../../output/format-records.js';
import { providerConfigSchema } from '../../provider-config-schema.js';
import { WAIT_TIMEOUT_MS } from './wait-timeout.js';

/** `codebolt env create <name> --provider <p> [--config k=v]... [--no-wait]` */
export function registerEnvCreate(env: Command, run: CliRun): void {
  env
    .command('create')
    .description('create an environment and wait until it is running')
    .argument('<name>', 'environment name (letters, digits, ".", "_", "-")')
    .requiredOption('--provider <name>', 'provider that creates the resource, e.g. local')
    .option('--config <key=value>', 'environment config; repeat it; dotted keys nest (env.FOO=bar)', collect, [])
    .option('--idle-timeout <duration>', 'stop it after this long without activity (30m, 2h, none); default: the relay\'s')
    .option('--max-lifetime <duration>', 'stop it this long after each start (8h, none); default: the relay\'s')
    .option('--no-wait', 'return as soon as the relay accepted it (state creating)')
    .action(async (name: string, options: { provider: string; config: string[]; wait: boolean; idleTimeout?: string; maxLifetime?: string }, command: Command) => {
      const context = CommandContext.of(command, run);
      parseConfigPairs(options.config); // syntax errors before any request
      const lease: { idleTimeoutMs?: number | null; maxLifetimeMs?: number | null } = {};
      if (options.idleTimeout !== undefined) lease.idleTimeoutMs = parseDuration('--idle-timeout', options.idleTimeout);
      if (options.maxLifetime !== undefined) lease.maxLifetimeMs = parseDuration('--max-lifetime', options.maxLifetime);
      const client = await context.client();
      const schema = options.config.length > 0 ? await providerConfigSchema(client, options.provider) : undefined;
      const config = parseConfigPairs(options.config, schema);
      let environment = await client.environments.create({ name, provider: options.provider, config, ...(Object.keys(lease).length > 0 ? { lease } : {}) });
      if (options.wait) {
        const { id } = environment;
        environment = await context.withProgress(`${name}: creating`, (onProgress) => client.environments.waitFor(id, 'running', { timeoutMs: WAIT_TIMEOUT_MS, onProgress }));
      }
      const created = environment;
      context.print(created, () => formatEnvironment(created));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
