import { CodeboltError } from '@codebolt/protocol';
import type { Principal, Role } from './tokens.js';

/** What a table entry can require: a tenant role, or the relay operator (crosses tenants). */
export type Requirement = Role | 'operator';

/** Rank of each requirement; a principal's rank is its role's, or `operator`'s when it is one. */
export const ROLE_RANK: Record<Requirement, number> = { viewer: 1, member: 2, admin: 3, operator: 4 };

/**
 * The one authorization table: every HTTP route and every app message type on /v1/connect names
 * the lowest role that may use it. A route or message type without an entry is refused (and tests
 * check that every route and every protocol message type has one). Object-level checks (tenant)
 * come on top: see canSeeTenant.
 *
 * - viewer: reads its tenant's environments, files and logs.
 * - member: also drives them (lifecycle verbs, exec, writes, opaque messages).
 * - admin: also administers its tenant (mints tokens for it, no higher than admin).
 * - operator: the relay's owner; relay-wide settings and every tenant.
 */
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
  'PUT /v1/providers/:name/config': 'operator',
  'POST /v1/tokens': 'admin',
  'POST /v1/admin/rotate-master-key': 'operator',
  'POST /v1/admin/reconcile': 'operator',
  'POST /v1/admin/backup': 'operator',
  'GET /metrics': 'operator',
  'GET /openapi.json': 'viewer',
  'GET /v1/whoami': 'viewer',
  'WS /v1/connect': 'viewer',
  // The relay-wide live feed (dashboard): server → client only; each event goes only to tokens
  // that may see its tenant. Authenticated like /v1/connect (bearer subprotocol, origin policy).
  'WS /v1/events': 'viewer',
  'WS exec': 'member',
  'WS process-kill': 'member',
  'WS fs.read': 'viewer',
  'WS fs.list': 'viewer',
  'WS diff': 'viewer',
  'WS fs.write': 'member',
  'WS fs.remove': 'member',
  'WS message': 'member',
  'WS lease.extend': 'member',
} as const satisfies Record<string, Requirement>;

export type Permission = keyof typeof AUTHORIZATION_TABLE;

/**
 * The endpoints served WITHOUT a token (the rest of the authorization table: everything else
 * needs one). Each reveals nothing about environments, tenants or configuration:
 * - `GET /health`: liveness, `{ status, version }`;
 * - `GET /ready`: readiness, 200 or 503 with which boot step is pending (store, reconcile);
 * - `GET /`, `GET /dashboard/{app.js,style.css,icon.svg}`: the dashboard's static files
 *   (the page asks for a token and sends it in headers; the files hold no data).
 * `GET /metrics` is NOT public: it needs an operator token (it counts every tenant's environments).
 */
export const PUBLIC_ENDPOINTS = ['GET /health', 'GET /ready', 'GET /', 'GET /dashboard/app.js', 'GET /dashboard/style.css', 'GET /dashboard/icon.svg'] as const;

export function principalRank(principal: Principal): number {
  return principal.operator ? ROLE_RANK.operator : ROLE_RANK[principal.role];
}

/** Throws CodeboltError `forbidden` unless the principal's rank reaches the permission's entry. */
export function authorize(principal: Principal, permission: string): void {
  const needed = (AUTHORIZATION_TABLE as Record<string, Requirement>)[permission];
  if (!needed) throw new CodeboltError('forbidden', `no authorization rule for ${permission}`);
  if (principalRank(principal) < ROLE_RANK[needed]) {
    const what = needed === 'operator' ? 'a relay operator token (`codebolt token create --operator`)' : `role ${needed} or higher`;
    throw new CodeboltError('forbidden', `${permission} needs ${what}; this token has role ${principal.role}`);
  }
}

/** Object-level check: a principal reaches only its own tenant's environments; an operator reaches all. */
export function canSeeTenant(principal: Principal, tenant: string): boolean {
  return principal.operator || principal.tenant === tenant;
}
