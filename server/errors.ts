/**
 * The one way a request handler reports a failure: throw a RequestError and the session turns it
 * into an error reply with the request's id. Anything else thrown is a bug and becomes internal_error.
 */
import type { ErrorCode, ErrorInfo } from '../src/shared/protocol.js';

export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Pick<ErrorInfo, 'attemptsLeft' | 'retryAfterMs'> = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, ...this.extra };
  }
}
