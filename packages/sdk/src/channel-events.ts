import type { Environment, reconnectEventSchema, runtimeConnectedEventSchema, runtimeDisconnectedEventSchema } from '@codebolt/protocol';
import type { z } from 'zod';

/** Events of an {@link EnvironmentChannel} and what their listeners receive. */
export interface ChannelEvents {
  /** The environment's record changed (the first one arrives before `connect` resolves; see `channel.environment`). */
  'env-state': Environment;
  /** The runtime (re)connected to the relay. */
  'runtime-connected': z.infer<typeof runtimeConnectedEventSchema>;
  /** The runtime went away; requests sent now are queued by the relay until it is back. */
  'runtime-disconnected': z.infer<typeof runtimeDisconnectedEventSchema>;
  /** The relay is shutting down gracefully; connect again after `retryAfterMs`. */
  reconnect: z.infer<typeof reconnectEventSchema>;
  /** An opaque `message` the runtime broadcast (not an answer to `request`). */
  message: unknown;
  /** The channel closed (WebSocket close code and reason); every pending call was rejected. */
  close: { code: number; reason: string };
}

export type ChannelEventName = keyof ChannelEvents;
export type ChannelListener<E extends ChannelEventName> = (payload: ChannelEvents[E]) => void;
