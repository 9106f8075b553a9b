/**
 * STAND-IN, NOT E2B: the one envd call the E2B provider makes, `process.Process/Start`, spoken
 * over the Connect protocol with JSON codec (what the `e2b` SDK's `sandbox.commands.run` sends
 * through `@connectrpc/connect-web` with `useBinaryFormat: false`): an enveloped request
 * (1 flag byte, 4-byte big-endian length, JSON), answered by enveloped `StartResponse` messages
 * — `{"event":{"start":{"pid":N}}}` first, `{"event":{"end":{...}}}` when the process exits —
 * and an end-stream envelope (flag 0x02) carrying `{}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const END_STREAM_FLAG = 0x02;

/** The fields of envd's `StartRequest` the stand-in honours. */
export interface StartRequest {
  process: { cmd: string; args?: string[]; envs?: Record<string, string>; cwd?: string };
}

/** Reads one enveloped JSON message from a Connect streaming request body. */
export async function readEnvelopedJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  if (body.length < 5) throw new Error('the Connect request has no envelope');
  const length = body.readUInt32BE(1);
  return JSON.parse(body.subarray(5, 5 + length).toString('utf8'));
}

/** Writes one enveloped JSON message (or, with `endStream`, the end-of-stream envelope). */
export function writeEnvelope(response: ServerResponse, message: unknown, endStream = false): void {
  const payload = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.alloc(5);
  header.writeUInt8(endStream ? END_STREAM_FLAG : 0, 0);
  header.writeUInt32BE(payload.length, 1);
  response.write(Buffer.concat([header, payload]));
}

/** Starts the streaming answer: HTTP 200 with the Connect streaming JSON content type. */
export function startStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/connect+json' });
}

/** Answers a Connect streaming call that failed before any message: 200 with an end-stream error (as connect-go does). */
export function failStream(response: ServerResponse, code: string, message: string): void {
  startStream(response);
  writeEnvelope(response, { error: { code, message } }, true);
  response.end();
}
