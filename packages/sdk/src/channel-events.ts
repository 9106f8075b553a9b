import type { Environment, GapEvent, LeaseWarningEvent, ResumedEvent, reconnectEventSchema, runtimeConnectedEventSchema, runtimeDisconnectedEventSchema } from '@codebolt/protocol';
import type { z } from 'zod';

/** Events of an {@link EnvironmentChannel} and what their listeners receive. */
export interface ChannelEvents {
  /** The environment's record changed (the first one arrives before `connect` resolves; see `channel.environment`). */
  'env-state': Environment;
  /** The runtime (re)connected to the relay. */
  'runtime-connected': z.infer<typeof runtimeConnectedEventSchema>;
  /** The runtime went away; requests sent now are queued by the relay until it is back. */
  'runtime-disconnected': z.infer<typeof runtimeDisconnectedEventSchema>;
  /** The relay will stop the environment at `expiresAt` (idle timeout or maximum lifetime) unless something keeps it alive; `extendLease` can. */
  'lease-warning': LeaseWarningEvent;
  /** The relay is shutting down gracefully; connect again after `retryAfterMs`. */
  reconnect: z.infer<typeof reconnectEventSchema>;
  /** An opaque `message` the runtime broadcast (not an answer to `request`). */
  message: unknown;
  /** The connection dropped; the channel reconnects after `delayMs` (attempt counts from 1). Pending calls stay pending. */
  reconnecting: { attempt: number; delayMs: number; reason: string };
  /** The channel reconnected and resumed its stream: every frame after its cursor was replayed, exactly once, in order. */
  resumed: ResumedEvent;
  /** Frames were provably lost (see `reason`); the stream continues after the gap. */
  gap: GapEvent;
  /** The channel closed for good (WebSocket close code and reason); every pending call was rejected. */
  close: { code: number; reason: string };
}

export type ChannelEventName = keyof ChannelEvents;
export type ChannelListener<E extends ChannelEventName> = (payload: ChannelEvents[E]) => void;
