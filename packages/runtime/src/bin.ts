#!/usr/bin/env node
import { isCodeboltError } from '@codebolt/protocol';
import { startRuntime, type RuntimeHandle } from './start-runtime.js';

/**
 * `codebolt-runtime`: the runtime as a process. Configuration comes only from the environment
 * (never argv). Exit codes: 0 after SIGTERM/SIGINT, 2 for missing or invalid configuration,
 * 3 when the relay refuses the runtime token (401/403), 1 for anything unexpected.
 */
const REQUIRED_VARIABLES = {
  CODEBOLT_RUNTIME_URL: "the relay's runtime endpoint, ws://host:port/v1/runtime",
  CODEBOLT_RUNTIME_TOKEN: 'the runtime token the provider received for this environment',
  CODEBOLT_WORKSPACE: 'the absolute path of the workspace directory',
  CODEBOLT_RUNTIME_STATE_DIR: "an absolute directory outside the workspace for the runtime's own state",
} as const;

type Variable = keyof typeof REQUIRED_VARIABLES;

function log(line: string): void {
  process.stderr.write(`codebolt-runtime: ${line}\n`);
}

function readVariables(): Record<Variable, string> {
  const values = {} as Record<Variable, string>;
  for (const name of Object.keys(REQUIRED_VARIABLES) as Variable[]) {
    const value = process.env[name];
    // The token must never reach an exec'd program: it leaves process.env as soon as it is read.
    if (name === 'CODEBOLT_RUNTIME_TOKEN') delete process.env[name];
    if (value === undefined || value.trim() === '') {
      log(`${name} is not set; set it to ${REQUIRED_VARIABLES[name]}`);
      process.exit(2);
    }
    values[name] = value;
  }
  return values;
}

function main(): void {
  const variables = readVariables();
  let handle: RuntimeHandle;
  try {
    handle = startRuntime({
      url: variables.CODEBOLT_RUNTIME_URL,
      token: variables.CODEBOLT_RUNTIME_TOKEN,
      workspace: variables.CODEBOLT_WORKSPACE,
      stateDir: variables.CODEBOLT_RUNTIME_STATE_DIR,
      logger: log,
    });
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(isCodeboltError(error) && error.code === 'invalid-config' ? 2 : 1);
  }

  // The fatal refusal was already logged (one line) by the runtime.
  handle.done.catch(() => process.exit(3));

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`received ${signal}; stopping`);
    handle.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
