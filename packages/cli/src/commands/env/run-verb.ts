import type { EnvironmentState } from '@codebolt/sdk';
import type { CommandContext } from '../../command-context.js';
import { WAIT_TIMEOUT_MS } from './wait-timeout.js';

/**
 * start, stop and restart: find the environment (id or name), send the verb, wait for `target`
 * unless `wait` is false, print the record (--json) or `name (id): state`.
 */
export async function runVerb(context: CommandContext, idOrName: string, verb: 'start' | 'stop' | 'restart', target: EnvironmentState, wait: boolean): Promise<void> {
  const client = await context.client();
  const { id } = await client.environments.get(idOrName);
  let environment = await client.environments[verb](id);
  if (wait) environment = await context.withProgress(`${environment.name}: ${verb}`, (onProgress) => client.environments.waitFor(id, target, { timeoutMs: WAIT_TIMEOUT_MS, onProgress }));
  const result = environment;
  context.print(result, () => `${result.name} (${result.id}): ${result.state}`);
}
