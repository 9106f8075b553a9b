import type { IncomingMessage } from 'node:http';
import { BEARER_SUBPROTOCOL_PREFIX, CodeboltError } from '@codebolt/protocol';

const QUERY_TOKEN_NAMES = ['token', 'access_token', 'auth', 'authorization', 'jwt'];

/**
 * Extracts the bearer credential of a request: the `Authorization: Bearer` header, or (for
 * browsers' WebSockets) the subprotocol `bearer.<token>`. A token in the query string is refused
 * outright so that it never gets into access logs.
 */
export function bearerToken(request: IncomingMessage, url: URL): string {
  for (const name of QUERY_TOKEN_NAMES) {
    if (url.searchParams.has(name)) {
      throw new CodeboltError('unauthorized', `credentials in the URL are refused (query parameter "${name}"); send an Authorization: Bearer header or the bearer.<token> subprotocol`);
    }
  }
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new CodeboltError('unauthorized', 'malformed Authorization header; use "Authorization: Bearer <token>"');
    return match[1];
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols) {
    for (const entry of protocols.split(',')) {
      const value = entry.trim();
      if (value.startsWith(BEARER_SUBPROTOCOL_PREFIX)) return value.slice(BEARER_SUBPROTOCOL_PREFIX.length);
    }
  }
  throw new CodeboltError('unauthorized', 'no credential; send "Authorization: Bearer <token>" (the CLI finds the admin token in the data dir, or set CODEBOLT_TOKEN)');
}
