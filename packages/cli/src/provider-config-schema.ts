import type { CodeboltClient } from '@codebolt/sdk';

/**
 * The config schema of the named provider, to type `--config` values; undefined when the
 * provider is unknown (the relay then answers `provider-not-found` to the real request).
 */
export async function providerConfigSchema(client: CodeboltClient, name: string): Promise<Record<string, unknown> | undefined> {
  const providers = await client.providers.list();
  return providers.find((provider) => provider.name === name)?.configSchema;
}
