import { CodeboltError, describeZodError } from '@codebolt/protocol';
import type { z } from 'zod';

/**
 * Parses a provider's config with its schema at the provider's edge (the relay validates it
 * against the package's JSON schema too, but a provider must not trust a config blindly). Throws
 * `CodeboltError('invalid-config')` naming the first offending field and how to set it, e.g.
 * `invalid config for provider "docker": memory: expected string; set it with --config memory=<value>`.
 */
export function parseProviderConfig<S extends z.ZodType>(schema: S, config: unknown, providerName: string): z.output<S> {
  const result = schema.safeParse(config ?? {});
  if (result.success) return result.data;
  const field = result.error.issues[0]?.path[0];
  const hint =
    typeof field === 'string'
      ? `; set it with --config ${field}=<value> (codebolt env create … --provider ${providerName}) or codebolt provider configure ${providerName}`
      : '';
  throw new CodeboltError('invalid-config', `invalid config for provider "${providerName}": ${describeZodError(result.error)}${hint}`);
}
