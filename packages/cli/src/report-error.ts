import { CodeboltError, type ErrorCode } from '@codebolt/protocol';
import { CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';

/** The generic one-line fix per code, used when the error carries no fix of its own. */
const FIXES: Partial<Record<ErrorCode, string>> = {
  'bad-request': 'check the arguments; `codebolt <command> --help` lists them',
  'invalid-config': 'see the provider\'s config schema with `codebolt provider list --json`',
  'provider-not-found': 'list installed providers with `codebolt provider list`',
  unauthorized: 'pass --token, set CODEBOLT_TOKEN, or run `codebolt config set token <token>`',
  forbidden: 'use a token with a higher role (a local relay keeps its admin token in <data dir>/admin.token)',
  'not-found': 'check --server: it must be the base URL of a Codebolt relay',
  'environment-not-found': 'list environments with `codebolt env list`',
  'file-not-found': 'check the path; it is relative to the workspace root',
  conflict: 'pick another name, or look at the existing one with `codebolt env get <name>`',
  'invalid-state': 'check the state with `codebolt env get <id>` and start it with `codebolt env start <id>`',
  'runtime-unavailable': 'check that the relay runs (`pnpm codebolt serve`) and the environment is running (`codebolt env get <id>`)',
  'provider-unavailable': 'see the provider log with `codebolt env logs <id>`',
  'provider-error': 'see the provider log with `codebolt env logs <id>`',
  'runtime-exited': 'see the provider log with `codebolt env logs <id>`, then `codebolt env start <id>`',
  'backend-quota-exceeded': "delete environments you no longer need, or raise the quota of the provider's cloud account (see docs/providers/<name>.md)",
  'backend-unavailable': "try again shortly; the provider's cloud API failed or throttled the call (`codebolt env logs <id>` shows details)",
  'resource-gone': 'delete the environment with `codebolt env delete <id>` and create it again',
  timeout: 'try again, or look at `codebolt env get <id>` and `codebolt env logs <id>`',
  'data-dir-locked': 'stop the other relay that uses this data dir, or pass another --data-dir',
  'data-corrupt': 'restore the data dir from a backup; the file was left untouched',
  'shutting-down': 'wait for the relay to come back and run the command again',
  'quota-exceeded': 'delete or stop environments of this tenant, or ask the relay operator to raise the quota',
  'rate-limited': 'wait a minute and retry with a valid token',
  internal: 'run it again; if it keeps failing, report it with the command you ran',
};

/**
 * The one top-level error handler: writes `error <code>: <message>` and `fix: <one line>` to
 * stderr and returns the exit code. Commander's usage errors become `bad-request` (exit 1);
 * help and version return 0; anything unknown becomes `internal`.
 */
export function reportError(error: unknown, writeErr: (text: string) => void): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return EXIT_CODES.success;
    if (error.code === 'commander.help') return EXIT_CODES.failure;
    const message = error.message.replace(/^error:\s*/, '');
    writeErr(`error bad-request: ${message}\nfix: ${FIXES['bad-request']}\n`);
    return EXIT_CODES.failure;
  }
  const codeboltError =
    error instanceof CodeboltError
      ? error
      : new CodeboltError('internal', `unexpected failure in the CLI: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  const fix = (codeboltError instanceof CliError && codeboltError.fix) || FIXES[codeboltError.code];
  writeErr(`error ${codeboltError.code}: ${codeboltError.message}\n${fix ? `fix: ${fix}\n` : ''}`);
  return exitCodeFor(codeboltError.code);
}
