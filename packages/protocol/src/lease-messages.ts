import { z } from 'zod';

/** Longest single lease extension an app may ask for, ms (30 days). */
export const MAX_LEASE_EXTENSION_MS = 30 * 24 * 3600 * 1000;

/** Why the relay stops an environment on its own: its lease ran out. */
export const LEASE_STOP_REASONS = ['idle-timeout', 'max-lifetime'] as const;
export const leaseStopReasonSchema = z.enum(LEASE_STOP_REASONS);
export type LeaseStopReason = z.infer<typeof leaseStopReasonSchema>;

/**
 * The lease part of `POST /v1/environments`: ask for a shorter (or, within the tenant's and
 * provider's limits, longer) idle timeout or maximum lifetime than the defaults; `null` = none.
 */
export const leaseRequestSchema = z
  .object({
    idleTimeoutMs: z.number().int().positive().nullable().optional(),
    maxLifetimeMs: z.number().int().positive().nullable().optional(),
  })
  .strict();

/**
 * app → relay `lease.extend { durationMs? }` (a request, answered by the relay, never forwarded to
 * the runtime): app-declared activity. It restarts the idle clock, and with `durationMs` keeps the
 * environment from idling out until now + durationMs. A member's extension never goes past the
 * maximum lifetime; an admin's (or operator's) also moves the lifetime deadline to at least
 * now + durationMs. Answer: `{ lease }` (the environment's lease after the extension).
 */
export const leaseExtendRequestSchema = z
  .object({ durationMs: z.number().int().positive().max(MAX_LEASE_EXTENSION_MS).optional() })
  .strict();

/** relay → app `lease-warning`: the environment will be stopped at `expiresAt` unless something keeps it alive. */
export const leaseWarningEventSchema = z.object({
  reason: leaseStopReasonSchema,
  /** ISO 8601. */
  expiresAt: z.string(),
  remainingMs: z.number().int().nonnegative(),
});
export type LeaseWarningEvent = z.infer<typeof leaseWarningEventSchema>;

/** Requests an app sends to the relay itself on /v1/connect (not forwarded to the runtime). */
export const relayRequestSchemas = {
  'lease.extend': leaseExtendRequestSchema,
} as const;
export type RelayRequestType = keyof typeof relayRequestSchemas;
export const RELAY_REQUEST_TYPES = Object.keys(relayRequestSchemas) as RelayRequestType[];

export function isRelayRequestType(type: string): type is RelayRequestType {
  return Object.prototype.hasOwnProperty.call(relayRequestSchemas, type);
}
