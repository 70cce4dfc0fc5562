/** The app's own wording for every error code the core can return (the protocol only carries codes). */
import type { ApiError, PrivateCloseReason } from '../../shared/api';
import { formatDuration } from './format';

export function describeLoginError(
  error: ApiError,
  ctx: { username: string; host: string; port: number | string; remainingMs?: number },
): string {
  const remaining = ctx.remainingMs ?? error.retryAfterMs;
  switch (error.code) {
    case 'unknown_user':
      return `There is no account called "${ctx.username}". Check the username and try again.`;
    case 'wrong_password':
      return error.attemptsLeft !== undefined
        ? `Wrong password. ${error.attemptsLeft} ${error.attemptsLeft === 1 ? 'attempt' : 'attempts'} left before the account is locked.`
        : 'Wrong password. Please try again.';
    case 'wrong_password_locked':
      return remaining !== undefined
        ? `Wrong password. Your account has been locked. Try again in ${formatDuration(remaining)}.`
        : 'Wrong password. Your account has been locked. Please try again later.';
    case 'account_locked':
      return remaining !== undefined
        ? `This account is locked after too many failed logins. Try again in ${formatDuration(remaining)}.`
        : 'This account is locked after too many failed logins. Please try again later.';
    case 'already_logged_in':
      return `${ctx.username} is already logged in somewhere else.`;
    case 'unreachable':
    case 'not_connected':
      return `Can't reach the server at ${ctx.host}:${ctx.port}. Check the address and that the server is running.`;
    case 'timeout':
      return `The server at ${ctx.host}:${ctx.port} did not answer in time. Please try again.`;
    case 'registration_closed':
      return 'This server does not allow creating new accounts.';
    case 'username_taken':
      return `The username "${ctx.username}" is already taken.`;
    case 'rate_limited':
      return 'Too many attempts. Please wait a moment and try again.';
    case 'unsupported_version':
      return 'This server speaks a different protocol version. Please update the app.';
    default:
      return error.message || 'Something went wrong. Please try again.';
  }
}

/** A lockout in two parts: what happened (announced once) and the countdown (shown, not announced). */
export interface LockNotice {
  message: string;
  /** "Try again in 45 seconds."; null once the lock has ended. */
  countdown: string | null;
}

export function isLockError(error: ApiError): boolean {
  return error.code === 'wrong_password_locked' || error.code === 'account_locked';
}

/** A lock's notice `remainingMs` before it ends; at 0 it says the account can be used again. */
export function describeLock(error: ApiError, remainingMs: number): LockNotice {
  if (remainingMs <= 0) return { message: 'The lock has ended. You can log in again.', countdown: null };
  const message =
    error.code === 'wrong_password_locked'
      ? 'Wrong password. Your account has been locked.'
      : 'This account is locked after too many failed logins.';
  return { message, countdown: `Try again in ${formatDuration(remainingMs)}.` };
}

/** Shown on a message the server refused. */
export function describeSendError(error: ApiError, peer: string): string {
  switch (error.code) {
    case 'blocked_by_recipient':
      return `Not delivered: ${peer} has blocked you.`;
    case 'unknown_user':
      return `Not delivered: ${peer} is not a valid user.`;
    case 'self_target':
      return 'Not delivered: you cannot send a message to yourself.';
    case 'not_connected':
    case 'unreachable':
      return 'Not delivered: not connected to the server.';
    case 'timeout':
      return 'Not delivered: the server did not answer in time.';
    default:
      return `Not delivered: ${error.message}`;
  }
}

export function describeBlockError(error: ApiError, name: string, action: 'block' | 'unblock'): string {
  switch (error.code) {
    case 'self_target':
      return action === 'block' ? 'You cannot block yourself.' : 'You cannot unblock yourself.';
    case 'unknown_user':
      return `There is no user called "${name}".`;
    case 'not_blocked':
      return `${name} was not blocked.`;
    case 'invalid_argument':
    case 'invalid_request':
      return `"${name}" is not a valid username.`;
    default:
      return error.message || `Could not ${action} ${name}.`;
  }
}

export function describePrivateError(error: ApiError, peer: string): string {
  switch (error.code) {
    case 'self_target':
      return 'You cannot start a private chat with yourself.';
    case 'unknown_user':
      return `There is no user called "${peer}".`;
    case 'peer_offline':
      return `${peer} is offline.`;
    case 'blocked_by_recipient':
      return `${peer} has blocked you.`;
    case 'peer_unreachable':
      return `${peer}'s computer could not be reached for a private chat.`;
    case 'private_not_enabled':
      return `The private chat with ${peer} is not open.`;
    default:
      return error.message || `Private chat with ${peer} failed.`;
  }
}

export function describePrivateClose(reason: PrivateCloseReason, peer: string): string {
  switch (reason) {
    case 'me':
      return `You ended the private chat with ${peer}.`;
    case 'peer':
      return `${peer} ended the private chat.`;
    case 'logout':
      return `The private chat ended because ${peer} or you logged out.`;
    case 'unreachable':
      return `${peer}'s computer could not be reached, so the private chat ended.`;
  }
}
