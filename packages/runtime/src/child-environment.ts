/** Prefix of the runtime's own variables; none of them reaches an exec'd program. */
export const RUNTIME_VARIABLE_PREFIX = 'CODEBOLT_RUNTIME_';

/**
 * The environment exec'd programs inherit: `source` without any `CODEBOLT_RUNTIME_*` variable
 * and without any variable whose value is one of `secrets` (the runtime token, wherever it came from).
 */
export function childEnvironment(source: NodeJS.ProcessEnv, secrets: readonly string[]): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || name.startsWith(RUNTIME_VARIABLE_PREFIX) || secrets.includes(value)) continue;
    environment[name] = value;
  }
  return environment;
}
