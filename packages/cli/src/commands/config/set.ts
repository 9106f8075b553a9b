import { Argument, type Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { updateUserConfig, userConfigPath } from '../../target/user-config.js';

/**
 * `codebolt config set server <url>` and `codebolt config set token <t>`: saves the value in the
 * user config file (mode 0600), where every later command finds it (after flags and env vars).
 * The token is never printed back.
 */
export function registerConfigSet(config: Command, run: CliRun): void {
  config
    .command('set')
    .description('save the relay URL or token in the user config file')
    .addArgument(new Argument('<key>', 'what to set').choices(['server', 'token']))
    .argument('<value>', 'the relay URL (http://host:port) or the token')
    .action(async (key: 'server' | 'token', value: string, _options: unknown, command: Command) => {
      const context = CommandContext.of(command, run);
      if (key === 'server') assertHttpUrl(value);
      if (value.trim() === '') throw new CliError('bad-request', `${key} must not be empty`, { fix: `codebolt config set ${key} <value>` });
      const path = userConfigPath(context.io.env, context.io.homeDir);
      await updateUserConfig(path, { [key]: value });
      const shown = key === 'server' ? value : '(hidden)';
      context.print({ key, value: key === 'server' ? value : undefined, path }, () => `saved ${key} ${shown} in ${path}`);
    });
}

function assertHttpUrl(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CliError('bad-request', `server must be an http:// or https:// URL (got ${JSON.stringify(value)})`, { fix: 'codebolt config set server http://127.0.0.1:7420' });
  }
}
