import type { IncomingMessage } from 'node:http';
import type { Principal } from '../auth/tokens.js';
import { clientAddress } from '../http/client-address.js';
import type { AuditActor } from './audit-log.js';

/** The audit actor of a request: the principal's identity when one was verified, and the peer address. */
export function actorOf(principal: Principal | undefined, request: IncomingMessage): AuditActor {
  const ip = clientAddress(request);
  return principal
    ? { subject: principal.subject, tenant: principal.tenant, role: principal.role, ...(principal.operator ? { operator: true } : {}), ...(ip ? { ip } : {}) }
    : { ...(ip ? { ip } : {}) };
}
