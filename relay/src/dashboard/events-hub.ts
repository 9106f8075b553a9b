import { type Environment, type Envelope, encodeEnvelope, envelope } from '@codebolt/protocol';
import type { WebSocket } from 'ws';
import { canSeeTenant } from '../auth/authorization.js';
import type { Principal } from '../auth/tokens.js';
import type { Logger } from '../logger.js';
import { type EnvironmentRecord, toPublicEnvironment } from '../store/record.js';

/**
 * Message types sent on `/v1/events` (relay → client only; a client frame closes the socket with
 * 1008). Each carries the environment id in `env`:
 * - `env-snapshot` `{ environments: Environment[] }` — first frame: every environment the token sees;
 * - `env-state` `{ environment }` — after every persisted change of one;
 * - `env-deleted` `{}` — it is gone;
 * - `runtime-connected` `{ version, generation }`, `runtime-disconnected` `{ reason }`.
 */
export const EVENTS_MESSAGE_TYPES = ['env-snapshot', 'env-state', 'env-deleted', 'runtime-connected', 'runtime-disconnected'] as const;

/** Largest backlog (bytes) a slow events client may have before it is disconnected (1013). */
export const EVENTS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

interface Subscriber {
  socket: WebSocket;
  principal: Principal;
}

/**
 * The relay-wide live feed behind `/v1/events` (the dashboard's): every environment event, sent
 * to each subscriber whose token may see that environment's tenant (an operator sees all).
 */
export class EventsHub {
  readonly #subscribers = new Set<Subscriber>();

  constructor(private readonly logger: Logger) {}

  /** Open subscribers (metrics). */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Takes an authenticated socket: sends the snapshot, then every event it may see until it closes. */
  accept(socket: WebSocket, principal: Principal, snapshot: Environment[]): void {
    const subscriber: Subscriber = { socket, principal };
    this.#subscribers.add(subscriber);
    socket.once('close', () => this.#subscribers.delete(subscriber));
    socket.on('message', () => socket.close(1008, 'this endpoint only sends'));
    this.#send(subscriber, envelope('env-snapshot', { data: { environments: snapshot } }));
  }

  /** Sends an event about an environment of `tenant` to every subscriber that may see it. */
  publish(tenant: string, message: Envelope): void {
    for (const subscriber of this.#subscribers) if (canSeeTenant(subscriber.principal, tenant)) this.#send(subscriber, message);
  }

  closeAll(code: number, reason: string): void {
    for (const { socket } of this.#subscribers) socket.close(code, reason);
    this.#subscribers.clear();
  }

  #send(subscriber: Subscriber, message: Envelope): void {
    const { socket } = subscriber;
    if (socket.readyState !== socket.OPEN) return;
    const frame = encodeEnvelope(message);
    if (socket.bufferedAmount + frame.length > EVENTS_MAX_BUFFERED_BYTES) {
      this.logger.warn('closing a slow events connection', { bufferedBytes: socket.bufferedAmount });
      this.#subscribers.delete(subscriber);
      socket.close(1013, 'too slow; reconnect');
      return;
    }
    socket.send(frame);
  }
}

/** What forwardEnvironmentEvents listens to: the EnvironmentService's events. */
interface EnvironmentEvents {
  on(event: 'changed' | 'deleted', listener: (record: EnvironmentRecord) => void): unknown;
  on(event: 'runtime-connected', listener: (id: string, connection: { version: string; generation: number }) => void): unknown;
  on(event: 'runtime-disconnected', listener: (id: string, reason: string) => void): unknown;
}

/** Publishes every environment event on the hub, to the tenant the record belongs to (`tenantOf` looks it up by id). */
export function forwardEnvironmentEvents(environments: EnvironmentEvents, hub: EventsHub, tenantOf: (id: string) => string | undefined): void {
  environments.on('changed', (record) => hub.publish(record.tenant, envelope('env-state', { env: record.id, data: { environment: toPublicEnvironment(record) } })));
  environments.on('deleted', (record) => hub.publish(record.tenant, envelope('env-deleted', { env: record.id, data: {} })));
  environments.on('runtime-connected', (id, connection) => {
    const tenant = tenantOf(id);
    if (tenant !== undefined) hub.publish(tenant, envelope('runtime-connected', { env: id, data: { version: connection.version, generation: connection.generation } }));
  });
  environments.on('runtime-disconnected', (id, reason) => {
    const tenant = tenantOf(id);
    if (tenant !== undefined) hub.publish(tenant, envelope('runtime-disconnected', { env: id, data: { reason } }));
  });
}
