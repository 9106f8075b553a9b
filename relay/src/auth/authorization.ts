import { CodeboltError } from '@codebolt/protocol';
import type { Principal, Role } from './tokens.js';

/**
 * The one authorization table: every HTTP route and app message type names the lowest role that
 * may use it. A route without an entry is refused (and a test checks every route has one).
 */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, member: 2, admin: 3 };

export const AUTHORIZATION_TABLE = {
  'GET /v1/environments': 'viewer',
  'POST /v1/environments': 'member',
  'GET /v1/environments/:id': 'viewer',
  'DELETE /v1/environments/:id': 'member',
  'POST /v1/environments/:id/start': 'member',
  'POST /v1/environments/:id/stop': 'member',
  'POST /v1/environments/:id/restart': 'member',
  'GET /v1/environments/:id/logs': 'viewer',
  'GET /v1/providers': 'viewer',
  'PUT /v1/providers/:name/config': 'admin',
  'GET /metrics': 'admin',
  'GET /openapi.json': 'viewer',
  'WS /v1/connect': 'viewer',
  'WS exec': 'member',
  'WS process-kill': 'member',
  'WS fs.read': 'viewer',
  'WS fs.list': 'viewer',
  'WS diff': 'viewer',
  'WS fs.write': 'member',
  'WS fs.remove': 'member',
  'WS message': 'member',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof AUTHORIZATION_TABLE;

export function authorize(principal: Principal, permission: string): void {
  const needed = (AUTHORIZATION_TABLE as Record<string, Role>)[permission];
  if (!needed) throw new CodeboltError('forbidden', `no authorization rule for ${permission}`);
  if (ROLE_RANK[principal.role] < ROLE_RANK[needed]) {
    throw new CodeboltError('forbidden', `${permission} needs role ${needed} or higher; this token has role ${principal.role}`);
  }
}

/** Object-level check: a principal reaches only its own tenant's environments. */
export function canSeeTenant(principal: Principal, tenant: string): boolean {
  return principal.tenant === tenant;
}
