import type { Route } from '../http/router.js';
import { sendJson } from '../http/respond.js';

/**
 * `GET /v1/whoami` (viewer): who the bearer token says the caller is — `{ subject, tenant, role,
 * operator }`. The dashboard uses it to show only the buttons the caller's role may use (the API
 * still checks every request).
 */
export const whoamiRoute: Route = {
  method: 'GET',
  path: '/v1/whoami',
  handler: ({ response, principal }) => sendJson(response, 200, { subject: principal.subject, tenant: principal.tenant, role: principal.role, operator: principal.operator }),
};
