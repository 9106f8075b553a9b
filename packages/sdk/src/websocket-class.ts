import type { WebSocketConstructor } from './client-options.js';

/**
 * The WebSocket class to use: the injected one, else `globalThis.WebSocket` (browsers, Node 22),
 * else the `ws` package, loaded only then (Node 20 has no global WebSocket; bundlers for the
 * browser map `ws` to nothing via package.json `browser`).
 */
export async function resolveWebSocketClass(injected: WebSocketConstructor | undefined): Promise<WebSocketConstructor> {
  if (injected) return injected;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  const module = await import('ws');
  return module.default as unknown as WebSocketConstructor;
}
