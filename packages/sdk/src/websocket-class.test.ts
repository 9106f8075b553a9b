import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketConstructor } from './client-options.js';
import { resolveWebSocketClass } from './websocket-class.js';

// Compile-time: the browser's class and the ws class both fit the option's type.
const browserClass: WebSocketConstructor | undefined = undefined as unknown as typeof globalThis.WebSocket | undefined;
const wsClass: WebSocketConstructor = WebSocket;
void browserClass;
void wsClass;

const original = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');

afterEach(() => {
  if (original) Object.defineProperty(globalThis, 'WebSocket', original);
  else delete (globalThis as { WebSocket?: unknown }).WebSocket;
});

describe('resolveWebSocketClass', () => {
  it('prefers the injected class', async () => {
    const injected = class extends WebSocket {} as unknown as WebSocketConstructor;
    expect(await resolveWebSocketClass(injected)).toBe(injected);
  });

  it('uses globalThis.WebSocket when there is one', async () => {
    const global = class extends WebSocket {};
    Object.defineProperty(globalThis, 'WebSocket', { value: global, configurable: true, writable: true });
    expect(await resolveWebSocketClass(undefined)).toBe(global);
  });

  it('falls back to the ws package without a global (Node 20)', async () => {
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
    expect(await resolveWebSocketClass(undefined)).toBe(WebSocket);
  });
});
