import { CodeboltError, type ErrorCode } from '@codebolt/protocol';

/**
 * A CodeboltError raised by the CLI itself, with an optional one-line fix that replaces the
 * generic fix for its code when the error is reported.
 */
export class CliError extends CodeboltError {
  readonly fix: string | undefined;

  constructor(code: ErrorCode, message: string, options: { fix?: string; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.name = 'CliError';
    this.fix = options.fix;
  }
}
