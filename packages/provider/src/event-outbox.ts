import type { ProviderEvent } from './base-provider.js';

/**
 * Holds a provider's own events (`resourceState`, `log`) while the relay is unreachable and
 * sends them, oldest first, once a connection is ready again. Keeps at most `limit` events; the
 * oldest are dropped first.
 */
export class EventOutbox {
  private readonly pending: ProviderEvent[] = [];
  private send: ((event: ProviderEvent) => void) | undefined;

  constructor(private readonly limit: number) {}

  push(event: ProviderEvent): void {
    if (this.send) {
      this.send(event);
      return;
    }
    this.pending.push(event);
    if (this.pending.length > this.limit) this.pending.shift();
  }

  /** Sends the queued events with `send`, then every new one as it comes. */
  attach(send: (event: ProviderEvent) => void): void {
    this.send = send;
    for (const event of this.pending.splice(0)) send(event);
  }

  /** Queues new events again (the connection closed). */
  detach(): void {
    this.send = undefined;
  }
}
