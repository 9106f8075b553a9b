import { randomBytes } from 'node:crypto';
import { CodeboltError, type CreatedToken, createTokenRequestSchema, parseData } from '@codebolt/protocol';
import type { Principal, TokenService } from './tokens.js';

/**
 * Mints an access token for `POST /v1/tokens` (`codebolt token create`). A tenant admin mints for
 * its own tenant only and never an operator token; an operator mints anything. Throws
 * CodeboltError `bad-request` for a malformed body and `forbidden` for a grant beyond the caller's.
 */
export async function issueToken(caller: Principal, body: unknown, tokens: TokenService): Promise<CreatedToken> {
  const request = parseData(createTokenRequestSchema, body, 'token request');
  if (!caller.operator) {
    if (request.operator) throw new CodeboltError('forbidden', 'only a relay operator may mint operator tokens');
    if (request.tenant !== caller.tenant) throw new CodeboltError('forbidden', `a tenant admin mints tokens for its own tenant only ("${caller.tenant}")`);
  }
  const subject = request.subject ?? `token:${request.tenant}:${randomBytes(6).toString('base64url')}`;
  const principal: Principal = { subject, tenant: request.tenant, role: request.role, operator: request.operator };
  const token = await tokens.mintAccessToken(principal, request.ttlSeconds);
  return { token, subject, tenant: request.tenant, role: request.role, operator: request.operator, expiresAt: new Date(Date.now() + request.ttlSeconds * 1000).toISOString() };
}
