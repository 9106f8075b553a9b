import WebSocket from 'ws';

/** A frame as an app receives it. */
export interface AppFrame {
  type: string;
  id?: string;
  re?: string;
  data?: any;
  error?: { code: string; message: string };
  /** When the test received it (Date.now()). */
  receivedAt: number;
}

/** A raw app connection on /v1/connect that records every frame and lets a test wait for one (no polling). */
export interface AppSocket {
  frames: AppFrame[];
  send(frame: Record<string, unknown>): void;
  /** Resolves with the first frame (already received or coming) that matches. */
  next(match: (frame: AppFrame) => boolean, what: string, timeoutMs?: number): Promise<AppFrame>;
  close(): Promise<void>;
}

export async function openAppSocket(relayUrl: string, environmentId: string, token: string): Promise<AppSocket> {
  const socket = new WebSocket(`${relayUrl.replace('http', 'ws')}/v1/connect?env=${environmentId}`, ['codebolt.v1'], { headers: { authorization: `Bearer ${token}` } });
  socket.on('error', () => {});
  const frames: AppFrame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push({ ...(JSON.parse(data.toString()) as Omit<AppFrame, 'receivedAt'>), receivedAt: Date.now() });
    for (const waiter of [...waiters]) waiter();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    socket.once('close', () => reject(new Error('closed before open')));
  });
  return {
    frames,
    send: (frame) => socket.send(JSON.stringify({ v: 1, ...frame })),
    next(match, what, timeoutMs = 90_000) {
      return new Promise<AppFrame>((resolve, reject) => {
        const check = () => {
          const found = frames.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${frames.map((frame) => frame.type).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      if (socket.readyState === socket.CLOSED) return;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      await closed;
    },
  };
}
