/** The one error type the client core throws internally; `MessengerCore.call` turns it into an ApiError. */
import type { ApiError } from '../../shared/api.js';
import type { ErrorInfo } from '../../shared/protocol.js';

export class CoreError extends Error {
  readonly attemptsLeft?: number;
  readonly retryAfterMs?: number;

  constructor(
    readonly code: ApiError['code'],
    message: string,
    extra: { attemptsLeft?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'CoreError';
    if (extra.attemptsLeft !== undefined) this.attemptsLeft = extra.attemptsLeft;
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
  }

  static fromServer(info: ErrorInfo): CoreError {
    return new CoreError(info.code, info.message, info);
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof CoreError) {
    const apiError: ApiError = { code: error.code, message: error.message };
    if (error.attemptsLeft !== undefined) apiError.attemptsLeft = error.attemptsLeft;
    if (error.retryAfterMs !== undefined) apiError.retryAfterMs = error.retryAfterMs;
    return apiError;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal_error', message };
}
