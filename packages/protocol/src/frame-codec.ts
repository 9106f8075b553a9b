import { CodeboltError } from './codebolt-error.js';
import { type Envelope, describeZodError, encodeEnvelope, envelopeSchema, parseEnvelope } from './envelope.js';

/**
 * Binary frames: an opaque `message` whose payload is bytes travels as one binary WebSocket
 * frame, so that it keeps its type and boundaries end to end and nobody base64s or re-parses it:
 *
 *     [ header length: uint32, big-endian ][ header: UTF-8 JSON envelope without `data` ][ payload bytes ]
 *
 * In memory such a frame is an ordinary {@link Envelope} whose `data` is a `Uint8Array`. Only
 * `message` frames may be binary (the app's own protocol); everything else is JSON text.
 */
export const BINARY_FRAME_TYPES: ReadonlySet<string> = new Set(['message']);

/** Most bytes of a binary frame's header. */
const MAX_HEADER_BYTES = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** True when the envelope travels as a binary frame (its data is bytes). */
export function isBinaryEnvelope(message: Envelope): message is Envelope<Uint8Array> {
  return message.data instanceof Uint8Array;
}

/** Encodes an envelope as a text frame (JSON) or, when its `data` is a `Uint8Array`, as a binary frame. */
export function encodeFrame(message: Envelope): string | Uint8Array {
  if (!(message.data instanceof Uint8Array)) return encodeEnvelope(message);
  const { data, ...header } = message as Envelope & { data: Uint8Array };
  const head = encoder.encode(JSON.stringify(header));
  const frame = new Uint8Array(4 + head.length + data.length);
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setUint32(0, head.length);
  frame.set(head, 4);
  frame.set(data, 4 + head.length);
  return frame;
}

/**
 * Parses one binary frame. The payload is a view into `raw` (no copy). Throws
 * CodeboltError('bad-request') naming what is wrong: a short frame, a header that is not a valid
 * envelope or carries `data`, or a type that may not be binary.
 */
export function parseBinaryFrame(raw: ArrayBuffer | Uint8Array): Envelope<Uint8Array> {
  const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
  if (bytes.length < 4) throw new CodeboltError('bad-request', 'binary frame shorter than its 4-byte header length; see docs/protocol.md (Binary frames)');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (headerLength > MAX_HEADER_BYTES || 4 + headerLength > bytes.length) {
    throw new CodeboltError('bad-request', `binary frame header length ${headerLength} does not fit the frame (at most ${MAX_HEADER_BYTES} bytes); see docs/protocol.md (Binary frames)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes.subarray(4, 4 + headerLength)));
  } catch {
    throw new CodeboltError('bad-request', 'binary frame header is not valid JSON');
  }
  const result = envelopeSchema.safeParse(value);
  if (!result.success) throw new CodeboltError('bad-request', `invalid binary frame header: ${describeZodError(result.error)}`);
  const header = result.data as Envelope;
  if ('data' in header) throw new CodeboltError('bad-request', 'a binary frame header must not carry data: the payload follows the header');
  if (!BINARY_FRAME_TYPES.has(header.type)) throw new CodeboltError('bad-request', `"${header.type}" frames are JSON text; only message frames may be binary`);
  return { ...header, data: bytes.subarray(4 + headerLength) };
}

/** Parses a text frame (JSON) or a binary frame, as the socket said it was. */
export function parseFrame(raw: string | ArrayBuffer | Uint8Array, isBinary: boolean): Envelope {
  if (!isBinary) return parseEnvelope(raw);
  if (typeof raw === 'string') throw new CodeboltError('bad-request', 'a binary frame arrived as text');
  return parseBinaryFrame(raw);
}
