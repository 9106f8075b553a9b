import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/tokens.js';

export interface RouteContext {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  params: Record<string, string>;
  principal: Principal;
  /** What the handler acted on, for the audit entry of this request (ids and names only, never secrets). */
  auditTarget: Record<string, string | number | boolean>;
}

export interface Route {
  method: string;
  /** Path pattern with `:name` segments; together with method it is the authorization table key. */
  path: string;
  handler(context: RouteContext): Promise<void> | void;
}

export interface MatchedRoute {
  route: Route;
  params: Record<string, string>;
}

/** Matches method + path against a route list. Returns `methodNotAllowed` when only the method differs. */
export function matchRoute(routes: Route[], method: string, pathname: string): MatchedRoute | 'not-found' | 'method-not-allowed' {
  const parts = pathname.split('/').filter(Boolean);
  let pathMatched = false;
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let index = 0; index < pattern.length; index++) {
      const segment = pattern[index]!;
      const part = parts[index]!;
      if (segment.startsWith(':')) {
        try {
          params[segment.slice(1)] = decodeURIComponent(part);
        } catch {
          ok = false;
          break;
        }
      } else if (segment !== part) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  return pathMatched ? 'method-not-allowed' : 'not-found';
}
