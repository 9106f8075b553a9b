import { CodeboltError, errorEnvelope, type Envelope } from '@codebolt/protocol';
import type WebSocket from 'ws';

/** ws hands over a Buffer, an ArrayBuffer or a list of fragments; this makes one Buffer of any of them. */
export function rawDataToBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * The `bad-request` answer to a frame that failed to parse: it keeps the frame's `type` and
 * answers its `id` (as `re`) when those two can still be read, so the sender can match it.
 */
export function malformedFrameAnswer(raw: Buffer, error: unknown): Envelope {
  const body = CodeboltError.from(error, 'frame could not be parsed').toBody();
  let type = 'error';
  let re: string | undefined;
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    if (value !== null && typeof value === 'object') {
      const { type: rawType, id: rawId } = value as { type?: unknown; id?: unknown };
      if (typeof rawType === 'string' && rawType.length > 0 && rawType.length <= 64) type = rawType;
      if (typeof rawId === 'string' && rawId.length > 0 && rawId.length <= 200) re = rawId;
    }
  } catch {
    // not JSON at all: answer with type `error` and no `re`
  }
  return errorEnvelope(type, body, re);
}
