export { startRelay, type Relay } from './relay.js';
export type { RelayOptions } from './options.js';
export { RELAY_VERSION } from './version.js';
export { verifyAuditLog, type AuditVerification } from './audit/verify-audit-log.js';
export type { AuditEntry, AuditEvent, AuditActor } from './audit/audit-log.js';
