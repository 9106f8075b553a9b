import { createRequire } from 'node:module';
import { E2bStandIn } from '../../../../test/stand-ins/e2b/e2b-stand-in.js';

/** The API key the stand-in accepts. Not a real E2B key. */
export const STAND_IN_API_KEY = 'e2b_stand_in_key_0123456789';
/** The stand-in template with `codebolt-runtime` on PATH and no start command (as on E2B: the provider starts the runtime through envd). */
export const STAND_IN_TEMPLATE = 'codebolt-base';
/** The stand-in template whose start command runs the real runtime in each new sandbox (`runtimeLaunch: start-command`). */
export const STAND_IN_START_COMMAND_TEMPLATE = 'codebolt-runtime';

/** Starts the E2B stand-in (test/stand-ins/e2b) with the built `@codebolt/runtime` as the template's runtime. */
export async function startStandIn(): Promise<E2bStandIn> {
  const require = createRequire(import.meta.url);
  const runtimeBin = require.resolve('@codebolt/runtime/bin');
  return E2bStandIn.start({ apiKey: STAND_IN_API_KEY, runtimeBin });
}

/** The provider-process environment that points the real `e2b` SDK at the stand-in (its documented endpoint settings). */
export function standInEnvironment(standIn: E2bStandIn): Record<string, string> {
  return { E2B_API_KEY: STAND_IN_API_KEY, E2B_API_URL: standIn.apiUrl, E2B_SANDBOX_URL: standIn.sandboxUrl };
}

/**
 * Live mode: with `E2B_API_KEY` and `CODEBOLT_E2B_TEMPLATE` set, the suites run against E2B
 * itself; `undefined` otherwise.
 */
export function liveSettings(): { apiKey: string; template: string } | undefined {
  const apiKey = process.env.E2B_API_KEY;
  const template = process.env.CODEBOLT_E2B_TEMPLATE;
  return apiKey && template ? { apiKey, template } : undefined;
}
