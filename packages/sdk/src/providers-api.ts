import { type ProviderInfo, providerInfoSchema } from '@codebolt/protocol';
import { z } from 'zod';
import type { CallOptions } from './environments-api.js';
import type { HttpClient } from './http-client.js';

const providerListSchema = z.object({ providers: z.array(providerInfoSchema) });

/** `client.providers`: installed providers and their relay-level config. */
export class ProvidersApi {
  constructor(private readonly http: HttpClient) {}

  /** `GET /v1/providers`: every installed provider with its config schema and configured defaults. */
  async list(options: CallOptions = {}): Promise<ProviderInfo[]> {
    const result = await this.http.request({ method: 'GET', path: '/v1/providers', schema: providerListSchema, signal: options.signal });
    return result.providers;
  }

  /**
   * `PUT /v1/providers/:name/config`: replaces the relay-level defaults and shared credentials of
   * one provider (relay operator only). Rejects with `invalid-config` when the config does not fit the
   * provider's schema, `provider-not-found` for an unknown name, `forbidden` for a non-operator token.
   */
  configure(name: string, config: Record<string, unknown>, options: CallOptions = {}): Promise<ProviderInfo> {
    return this.http.request({
      method: 'PUT',
      path: `/v1/providers/${encodeURIComponent(name)}/config`,
      schema: providerInfoSchema,
      body: { config },
      signal: options.signal,
    });
  }
}
