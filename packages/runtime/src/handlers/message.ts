import { CodeboltError, envelope, errorEnvelope, type Envelope } from '@codebolt/protocol';

/** What an `onMessage` handler gets besides the payload. */
export interface MessageContext {
  /**
   * Answers the message: `{ type: 'message', re: <its id>, data }`. For a message without an id
   * the answer goes out without `re`, like `RuntimeHandle.send`. May be called any number of times.
   */
  reply(data: unknown): void;
}

/** Receives the opaque `message` payloads of the hosted product's own protocol. May be async. */
export type MessageHandler = (data: unknown, context: MessageContext) => void | Promise<void>;

/**
 * `message`: hands the payload to the embedder's handler. Without a handler, a message with an id
 * is answered `unsupported` and one without is logged and dropped. A handler that throws (or
 * rejects) is logged and, when the message has an id, answered with its error: the CodeboltError
 * it threw, or `internal`.
 */
export function deliverMessage(
  handler: MessageHandler | undefined,
  id: string | undefined,
  data: unknown,
  send: (frame: Envelope) => void,
  logger: (line: string) => void,
): void {
  if (!handler) {
    if (id === undefined) logger('ignored a message without an id: this runtime has no message handler');
    else {
      send(
        errorEnvelope(
          'message',
          { code: 'unsupported', message: 'this runtime has no message handler; embed @codebolt/runtime and pass onMessage' },
          id,
        ),
      );
    }
    return;
  }
  const fail = (error: unknown): void => {
    logger(`the message handler failed: ${error instanceof Error ? error.message : String(error)}`);
    if (id !== undefined) send(errorEnvelope('message', CodeboltError.from(error, 'the message handler failed; see the runtime log').toBody(), id));
  };
  const reply = (payload: unknown): void => send(envelope('message', id === undefined ? { data: payload } : { re: id, data: payload }));
  try {
    const result = handler(data, { reply });
    if (result instanceof Promise) result.catch(fail);
  } catch (error) {
    fail(error);
  }
}
