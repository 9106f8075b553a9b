import { CodeboltError, type ErrorCode } from '@codebolt/protocol';
import { CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import type { Target, TargetSource } from './target/resolve-target.js';

const SERVER_SOURCE: Record<TargetSource, string> = {
  flag: '--server',
  env: 'CODEBOLT_SERVER',
  'config-file': 'the config file (`codebolt config set server`)',
  'data-dir': "the data dir's relay.json",
  default: 'the default',
};
const TOKEN_SOURCE: Record<TargetSource, string> = {
  flag: '--token',
  env: 'CODEBOLT_TOKEN',
  'config-file': 'the config file (`codebolt config set token`)',
  'data-dir': "the data dir's admin.token",
  default: 'the default',
};
/** What to do when the relay refused the token, by where the token came from. */
const REFUSED_TOKEN_FIX: Record<TargetSource, string> = {
  flag: 'the --token value was refused (expired, revoked or for another relay); mint a new one with `codebolt token create`',
  env: 'CODEBOLT_TOKEN holds a token this relay refuses (expired, revoked or for another relay); unset it or set a fresh one',
  'config-file': 'the saved token was refused (expired, revoked or for another relay); save a fresh one with `codebolt config set token <token>`',
  'data-dir': "the data dir's admin token was refused; pass the relay's own --data-dir, or --token",
  default: 'pass --token, set CODEBOLT_TOKEN, or run `codebolt config set token <token>`',
};
/** Codes where saying which relay and which credential were used helps. */
const TARGET_CODES = new Set<ErrorCode>(['unauthorized', 'forbidden', 'relay-unreachable', 'not-found', 'rate-limited']);

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
 * The one top-level error handler: writes `error <code>: <message>`, for credential and
 * connection errors `relay: <url> (from <source>); token from <source>` when the command got that
 * far (`target`), and `fix: <one line>` to stderr, and returns the exit code. Commander's usage errors become `bad-request` (exit 1);
 * help and version return 0; anything unknown becomes `internal`.
 */
export function reportError(error: unknown, writeErr: (text: string) => void, target?: Target): number {
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
  const ownFix = codeboltError instanceof CliError ? codeboltError.fix : undefined;
  const fix = ownFix || (target && codeboltError.code === 'unauthorized' ? REFUSED_TOKEN_FIX[target.tokenSource] : FIXES[codeboltError.code]);
  // Which relay and which credential (by source, never the token itself) the command used.
  const used =
    target && TARGET_CODES.has(codeboltError.code) ? `relay: ${target.server} (from ${SERVER_SOURCE[target.serverSource]}); token from ${TOKEN_SOURCE[target.tokenSource]}\n` : '';
  writeErr(`error ${codeboltError.code}: ${codeboltError.message}\n${used}${fix ? `fix: ${fix}\n` : ''}`);
  return exitCodeFor(codeboltError.code);
}
