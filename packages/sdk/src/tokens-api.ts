import { type CreatedToken, type CreateTokenRequest, createdTokenSchema } from '@codebolt/protocol';
import type { CallOptions } from './environments-api.js';
import type { HttpClient } from './http-client.js';

/** `client.tokens`: minting access tokens (tenant admins and relay operators). */
export class TokensApi {
  constructor(private readonly http: HttpClient) {}

  /**
   * `POST /v1/tokens`: mints an access token. A tenant admin mints for its own tenant only; a
   * relay operator for any tenant, and only an operator may set `operator: true`. `ttlSeconds`
   * defaults to 3600 (at most one year). The token is returned once; the relay does not keep it.
   * Rejects with `forbidden` beyond the caller's rights, `bad-request` for a malformed request.
   */
  create(request: CreateTokenRequest, options: CallOptions = {}): Promise<CreatedToken> {
    return this.http.request({ method: 'POST', path: '/v1/tokens', schema: createdTokenSchema, body: request, signal: options.signal });
  }
}
