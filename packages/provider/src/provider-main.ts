import { CodeboltError } from '@codebolt/protocol';
import type { BaseProvider } from './base-provider.js';
import { runProvider } from './run-provider.js';

/**
 * The body of a provider package's main file: builds the provider with `create` (which may read
 * its settings with `requiredEnvironment`), serves the relay with `runProvider`, and exits:
 * 0 when the relay closed stdin, 2 when misconfigured (`invalid-config`), 1 on any other failure
 * (relay refused or unreachable), after one line `codebolt provider <name>: <code>: <message>`.
 */
export function runProviderMain<Config>(name: string, create: () => BaseProvider<Config>): void {
  const fail = (error: unknown): never => {
    const failure = CodeboltError.from(error, error instanceof Error ? error.message : String(error));
    process.stderr.write(`codebolt provider ${name}: ${failure.code}: ${failure.message}\n`);
    process.exit(failure.code === 'invalid-config' ? 2 : 1);
  };
  try {
    runProvider(create()).then(() => process.exit(0), fail);
  } catch (error) {
    fail(error);
  }
}

/** Reads a variable the relay sets when it spawns a provider; throws `invalid-config` with `fix` when it is missing. */
export function requiredEnvironment(variable: string, fix: string): string {
  const value = process.env[variable];
  if (value === undefined || value === '') throw new CodeboltError('invalid-config', `${variable} is not set; ${fix}`);
  return value;
}
