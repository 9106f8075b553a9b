import { setTimeout as delay } from 'node:timers/promises';
import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';

/** How often `env logs -f` asks for new log bytes, in milliseconds. */
export const FOLLOW_INTERVAL_MS = 500;

/** `codebolt env logs <id> [-f]`: prints provider.log; -f keeps polling until Ctrl-C (then exits 0). */
export function registerEnvLogs(env: Command, run: CliRun): void {
  env
    .command('logs')
    .description("print an environment's provider log")
    .argument('<id>', 'environment id or name')
    .option('-f, --follow', `keep printing new lines (polls every ${FOLLOW_INTERVAL_MS} ms) until Ctrl-C`)
    .action(async (idOrName: string, options: { follow?: boolean }, command: Command) => {
      const context = CommandContext.of(command, run);
      if (options.follow && context.json) {
        throw new CliError('bad-request', '--json prints one document and cannot follow a log', { fix: 'drop -f, or drop --json' });
      }
      const client = await context.client();
      const { id } = await client.environments.get(idOrName);
      if (context.json) {
        const chunk = await client.environments.logs(id, { offset: 0 });
        context.print(chunk, () => chunk.content);
        return;
      }
      const stop = new AbortController();
      const onInterrupt = (): void => stop.abort();
      if (options.follow) process.on('SIGINT', onInterrupt);
      try {
        let offset = 0;
        for (;;) {
          const chunk = await client.environments.logs(id, { offset, signal: stop.signal });
          context.io.stdout.write(chunk.content);
          offset = chunk.nextOffset;
          if (!options.follow) return;
          await delay(FOLLOW_INTERVAL_MS, undefined, { signal: stop.signal });
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}
