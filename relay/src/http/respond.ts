import type { IncomingMessage, ServerResponse } from 'node:http';
import { CodeboltError } from '@codebolt/protocol';

/** Largest JSON body accepted on the HTTP API. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

export function sendText(response: ServerResponse, status: number, contentType: string, text: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

/** The one HTTP error shape: `{ "error": { "code", "message" } }` with the code's status. */
export function sendError(response: ServerResponse, error: CodeboltError): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, error.status, { error: error.toBody() });
}

/** Reads and parses a JSON body (empty body → `{}`); bad JSON → bad-request, too big → payload-too-large. */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new CodeboltError('payload-too-large', `request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new CodeboltError('bad-request', 'request body is not valid JSON');
  }
}
