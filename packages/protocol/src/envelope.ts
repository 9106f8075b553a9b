import { z } from 'zod';
import { ERROR_CODE_LIST, type ErrorCode } from './error-codes.js';
import { CodeboltError, type ErrorBody } from './codebolt-error.js';

/** The protocol version carried in every envelope as `v`. */
export const PROTOCOL_VERSION = 1 as const;

/** The WebSocket subprotocol apps and runtimes negotiate; the relay answers with this only. */
export const SUBPROTOCOL = 'codebolt.v1';

/** Prefix of the subprotocol entry that carries a bearer token from browsers: `bearer.<token>`. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

const identifier = z.string().min(1).max(200);

export const errorBodySchema = z.object({
  code: z.enum(ERROR_CODE_LIST as [ErrorCode, ...ErrorCode[]]),
  message: z.string().max(4096),
});

/** A cursor into an environment's stream: the stream epoch and the last seq seen. */
export const cursorSchema = z.object({ epoch: z.string().min(1).max(64), seq: z.number().int().nonnegative() });
export type Cursor = z.infer<typeof cursorSchema>;

/**
 * The envelope on every channel: `{ v: 1, type, id?, re?, env?, seq?, ack?, data?, error? }`.
 * `id` names a request; `re` answers one (or ties a streamed event to the request it belongs to).
 */
export const envelopeSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.string().min(1).max(64),
    id: identifier.optional(),
    re: identifier.optional(),
    env: identifier.optional(),
    seq: z.number().int().nonnegative().optional(),
    ack: z.number().int().nonnegative().optional(),
    /**
     * On runtime→app frames: where the frame stands in the runtime's own outbound stream (the
     * runtime process's stream id and its seq there). Relay `seq`s restart when a relay loses its
     * state; this does not, so an app drops a runtime frame it already has even then.
     */
    origin: z.object({ stream: z.string().min(1).max(64), seq: z.number().int().nonnegative() }).strict().optional(),
    data: z.unknown().optional(),
    error: errorBodySchema.optional(),
  })
  .strict();

export type Envelope<T = unknown> = Omit<z.infer<typeof envelopeSchema>, 'data'> & { data?: T };

/** Builds an envelope. */
export function envelope<T>(type: string, fields: Omit<Envelope<T>, 'v' | 'type'> = {}): Envelope<T> {
  return { v: PROTOCOL_VERSION, type, ...fields };
}

/** The one error shape on sockets: the request's type, `re` = the request id, and `error`. */
export function errorEnvelope(type: string, error: ErrorBody, re?: string): Envelope {
  return re === undefined ? { v: PROTOCOL_VERSION, type, error } : { v: PROTOCOL_VERSION, type, re, error };
}

export function encodeEnvelope(message: Envelope): string {
  return JSON.stringify(message);
}

/**
 * Parses one text frame into an envelope. Throws CodeboltError('bad-request') with a message that
 * says what is wrong; never returns a partially valid value.
 */
export function parseEnvelope(raw: string | Buffer | ArrayBuffer | Uint8Array): Envelope {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (raw instanceof ArrayBuffer) text = new TextDecoder().decode(new Uint8Array(raw));
  else text = new TextDecoder().decode(raw);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CodeboltError('bad-request', 'frame is not valid JSON; send one JSON envelope per text frame');
  }
  const result = envelopeSchema.safeParse(value);
  if (!result.success) {
    throw new CodeboltError('bad-request', `invalid envelope: ${describeZodError(result.error)}`);
  }
  return result.data as Envelope;
}

/** One line naming the first offending field, e.g. `data.command: expected string`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`;
}
