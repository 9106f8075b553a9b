import { CodeboltError } from '@codebolt/protocol';
import type { RuntimeConnect } from '@codebolt/provider';

/** The only variables the runtime inherits from the provider's own environment. */
export const INHERITED_ENV_NAMES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'USER', 'SHELL'] as const;

export interface RuntimeEnvInput {
  /** The provider's own environment (`process.env`). */
  parentEnv: NodeJS.ProcessEnv;
  /** `config.env` and `config.secretEnv`, as received; checked here. */
  env: unknown;
  secretEnv: unknown;
  runtime: RuntimeConnect;
  workspace: string;
  runtimeStateDir: string;
  instance: string;
}

/**
 * The runtime's whole environment: the inherited names above, then `config.env`, then
 * `config.secretEnv`, then the `CODEBOLT_RUNTIME_*` and `CODEBOLT_WORKSPACE` variables (which
 * config cannot override). Nothing else of the provider's environment (its own token, the relay
 * URL, credentials of other providers) reaches the runtime. Throws `invalid-config` for a
 * variable name or value a process environment cannot hold.
 */
export function buildRuntimeEnv(input: RuntimeEnvInput): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of INHERITED_ENV_NAMES) {
    const value = input.parentEnv[name];
    if (value !== undefined) result[name] = value;
  }
  Object.assign(result, checkedVariables(input.env, 'env'), checkedVariables(input.secretEnv, 'secretEnv'));
  result.CODEBOLT_RUNTIME_URL = input.runtime.url;
  result.CODEBOLT_RUNTIME_TOKEN = input.runtime.token;
  result.CODEBOLT_WORKSPACE = input.workspace;
  result.CODEBOLT_RUNTIME_STATE_DIR = input.runtimeStateDir;
  result.CODEBOLT_RUNTIME_INSTANCE = input.instance;
  return result;
}

function checkedVariables(value: unknown, field: 'env' | 'secretEnv'): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CodeboltError('invalid-config', `config.${field} must be an object of variable names to string values`);
  }
  const variables: Record<string, string> = {};
  for (const [name, variable] of Object.entries(value)) {
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw new CodeboltError('invalid-config', `config.${field} has a variable name that cannot be set ("${name.replaceAll('\0', '\\0')}"); names must be non-empty without "=" or NUL`);
    }
    // Values of secretEnv are never echoed.
    if (typeof variable !== 'string' || variable.includes('\0')) {
      throw new CodeboltError('invalid-config', `config.${field}.${name} must be a string without NUL characters`);
    }
    variables[name] = variable;
  }
  return variables;
}
