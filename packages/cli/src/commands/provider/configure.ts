import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { parseConfigPairs } from '../../config-pairs.js';
import { providerConfigSchema } from '../../provider-config-schema.js';

/**
 * `codebolt provider configure <name> --config k=v...`: replaces the relay-level defaults and
 * shared credentials of one provider (admin token needed). Secret fields are shown as [secret].
 */
export function registerProviderConfigure(provider: Command, run: CliRun): void {
  provider
    .command('configure')
    .description("set a provider's relay-level defaults and credentials (replaces the previous ones)")
    .argument('<name>', 'provider name')
    .requiredOption('--config <key=value>', 'config field; repeat it; dotted keys nest (env.FOO=bar)', (value: string, previous: string[] = []) => [...previous, value])
    .action(async (name: string, options: { config: string[] }, command: Command) => {
      const context = CommandContext.of(command, run);
      parseConfigPairs(options.config); // syntax errors before any request
      const client = await context.client();
      const config = parseConfigPairs(options.config, await providerConfigSchema(client, name));
      const info = await client.providers.configure(name, config);
      context.print(info, () => `configured ${info.name}: ${JSON.stringify(info.configured)}`);
    });
}
