import type { WebSocket } from 'ws';

export interface HeartbeatSettings {
  /** A ping goes out this often, in ms. */
  intervalMs: number;
  /** A peer that has not answered a ping (pong) within this many ms is dropped (terminated). */
  timeoutMs: number;
}

/**
 * Pings `socket` every `intervalMs`; when no pong arrives within `timeoutMs` the socket is
 * terminated (its 'close' event then releases everything of that peer), so a black-holed peer is
 * detected within intervalMs + timeoutMs. Every timer is cleared when the socket closes.
 */
export function keepAlive(socket: WebSocket, settings: HeartbeatSettings): void {
  let deadline: NodeJS.Timeout | undefined;
  const interval = setInterval(() => {
    if (deadline !== undefined || socket.readyState !== socket.OPEN) return;
    deadline = setTimeout(() => socket.terminate(), settings.timeoutMs);
    socket.ping();
  }, settings.intervalMs);
  socket.on('pong', () => {
    clearTimeout(deadline);
    deadline = undefined;
  });
  socket.on('close', () => {
    clearInterval(interval);
    clearTimeout(deadline);
  });
}
