import type { IncomingMessage } from 'node:http';
import { BEARER_SUBPROTOCOL_PREFIX, CodeboltError } from '@codebolt/protocol';

/**
 * Origin allow-list for browser requests (against cross-site WebSocket hijacking and CSRF).
 *
 * - A request carrying `Origin` is a browser's: it passes only when the origin is the relay's own
 *   (same scheme-less host as the `Host` header) or is listed in `allowedOrigins`.
 * - A request using the `bearer.<token>` subprotocol without `Origin` passes only when
 *   `requireOriginForSubprotocol` is false (the default: the Node SDK uses the subprotocol and
 *   sends no Origin; every browser sends Origin on a WebSocket handshake, so a browser can never
 *   arrive without one).
 * - Anything else (CLI, backend SDK, runtimes and providers with an Authorization header and no
 *   Origin) is not a browser and is not checked here.
 *
 * Throws CodeboltError `forbidden` (HTTP 403).
 */
export interface OriginPolicy {
  /** Exact origins (`https://app.example.com`), or `*` for any. Default: none besides the relay's own. */
  allowedOrigins: string[];
  requireOriginForSubprotocol: boolean;
}

export function checkOrigin(request: IncomingMessage, policy: OriginPolicy): void {
  const origin = request.headers.origin;
  if (origin === undefined) {
    const protocols = request.headers['sec-websocket-protocol'] ?? '';
    const browserStyle = protocols.split(',').some((entry) => entry.trim().startsWith(BEARER_SUBPROTOCOL_PREFIX));
    if (browserStyle && policy.requireOriginForSubprotocol) {
      throw new CodeboltError('forbidden', 'a browser-style connection (bearer subprotocol) must send an Origin header listed in the relay\'s --allowed-origin');
    }
    return;
  }
  if (policy.allowedOrigins.includes('*') || policy.allowedOrigins.includes(origin)) return;
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (originHost !== undefined && originHost === request.headers.host) return;
  throw new CodeboltError('forbidden', `origin ${origin.slice(0, 200)} is not allowed; add it with \`codebolt serve --allowed-origin ${origin.slice(0, 200)}\``);
}
