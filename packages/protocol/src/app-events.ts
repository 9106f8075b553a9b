import { z } from 'zod';
import { environmentSchema } from './environment.js';

/** relay → app: the environment's record changed (also sent once right after connecting). */
export const envStateEventSchema = z.object({ environment: environmentSchema });
/** relay → app: the runtime connected or went away. */
export const runtimeConnectedEventSchema = z.object({ version: z.string().nullable(), generation: z.number().int() });
export const runtimeDisconnectedEventSchema = z.object({ reason: z.string() });
/** relay → any peer: the relay is shutting down gracefully; reconnect after `retryAfterMs`. */
export const reconnectEventSchema = z.object({ retryAfterMs: z.number().int().nonnegative() });

/** relay → app: `lease-warning` — see leaseWarningEventSchema in lease-messages.ts. */
export const APP_EVENT_TYPES = ['env-state', 'runtime-connected', 'runtime-disconnected', 'reconnect', 'lease-warning'] as const;
