import { type ErrorCode, httpStatusFor, isErrorCode } from './error-codes.js';

/** The wire shape of an error, on every channel: `{ code, message }`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/**
 * The one error base of the project. `code` is from the closed set in `error-codes.ts`;
 * `message` says what went wrong and how to fix it; `cause` keeps the original error.
 */
export class CodeboltError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodeboltError';
    this.code = code;
  }

  get status(): number {
    return httpStatusFor(this.code);
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }

  /** Rebuilds an error from a wire body (an unknown code becomes `internal`). */
  static fromBody(body: { code?: unknown; message?: unknown } | undefined): CodeboltError {
    const code = isErrorCode(body?.code) ? body.code : 'internal';
    const message = typeof body?.message === 'string' ? body.message : 'unknown error';
    return new CodeboltError(code, message);
  }

  /**
   * Converts anything thrown into a CodeboltError at a boundary. Unknown errors become
   * `internal` with a generic message (details stay in the cause, never on the wire).
   */
  static from(error: unknown, fallbackMessage = 'internal error; see the relay log'): CodeboltError {
    if (error instanceof CodeboltError) return error;
    return new CodeboltError('internal', fallbackMessage, { cause: error });
  }
}

export function isCodeboltError(error: unknown): error is CodeboltError {
  return error instanceof CodeboltError;
}
