/**
 * The app's own wording for every error code the core can return (the protocol only carries codes).
 * An error's `message` is English for logs and developers (zod paths, "register: 0: …", "log in
 * first"): it is never shown. Every text says what happened and what to do.
 */
import type { ApiError, PrivateCloseReason } from '../../shared/api';
import { fileNameProblem, type FileTransfer } from '../../shared/files';
import {
  FILE_MAX_BYTES,
  FILE_TRANSFERS_MAX,
  UPLOADS_IN_PROGRESS_MAX,
  GROUP_MEMBERS_MAX,
  GROUPS_CREATED_MAX,
  PASSWORD_MAX_LENGTH,
  textLength,
  USERNAME_MAX_LENGTH,
  USERNAME_PATTERN,
} from '../../shared/limits';
import { formatBytes, formatDuration } from './format';

export const USERNAME_RULE = `Usernames are 1 to ${USERNAME_MAX_LENGTH} letters, digits, "_", "." or "-", without spaces.`;

/** What is wrong with a username typed in the login form, or null when it is a valid one. */
export function checkUsername(name: string): string | null {
  if (name.length > USERNAME_MAX_LENGTH || !USERNAME_PATTERN.test(name))
    return `"${name}" is not a valid username. ${USERNAME_RULE}`;
  return null;
}

export function checkPassword(password: string): string | null {
  return textLength(password) > PASSWORD_MAX_LENGTH
    ? `The password is too long: at most ${PASSWORD_MAX_LENGTH} characters.`
    : null;
}

/** Failures any call can meet, in the app's words; the callers put what failed in front. */
export function describeProblem(error: ApiError): string {
  switch (error.code) {
    case 'not_connected':
    case 'unreachable':
      return 'The app is not connected to the server. Wait for it to reconnect, or check that the server is running, then try again.';
    case 'timeout':
      return 'The server did not answer in time. Try again in a moment.';
    case 'not_logged_in':
    case 'login_required':
    case 'hello_required':
      return 'You are logged out. Log in again, then try again.';
    case 'rate_limited':
      return 'Too many requests at once. Wait a moment, then try again.';
    case 'unavailable':
      return 'The server cannot reach its database right now. Try again in a moment.';
    case 'busy':
      return 'The server is very busy right now. Try again in a moment.';
    case 'unsupported_version':
      return 'This server speaks a different protocol version. Update the app.';
    case 'unknown_group':
      return 'You are not a member of this group any more.';
    case 'not_admin':
      return 'Only an admin of the group can do that (only its creator names admins).';
    case 'not_a_member':
      return 'That person is not a member of the group.';
    case 'group_full':
      return `A group can have at most ${GROUP_MEMBERS_MAX} members.`;
    case 'too_many_groups':
      return `You have created the most groups one person can (${GROUPS_CREATED_MAX}).`;
    case 'unknown_user':
      return 'There is no account with that name. Check the spelling.';
    case 'blocked_by_recipient':
      return 'That person does not accept messages from you.';
    default:
      return 'Something went wrong. Try again; if it keeps happening, restart the app.';
  }
}

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
      return `${ctx.username} is already logged in somewhere else. Log out there first, then try again.`;
    case 'unreachable':
    case 'not_connected':
      return `Can't reach the server at ${ctx.host}:${ctx.port}. Check the address and that the server is running.`;
    case 'timeout':
      return `The server at ${ctx.host}:${ctx.port} did not answer in time. Please try again.`;
    case 'registration_closed':
      return 'This server does not allow creating new accounts. Ask its administrator for one.';
    case 'username_taken':
      return `The username "${ctx.username}" is already taken. Choose another one.`;
    case 'username_look_alike':
      return `The username "${ctx.username}" looks too much like an existing one, so others could mistake one for the other. Choose another one.`;
    case 'rate_limited':
      return 'Too many attempts. Please wait a moment and try again.';
    case 'unavailable':
      return 'The server cannot reach its database right now, so it cannot check your password. Try again in a moment.';
    case 'invalid_argument':
    case 'invalid_request':
      return `The username or password was not accepted. ${USERNAME_RULE} Passwords are at most ${PASSWORD_MAX_LENGTH} characters.`;
    case 'already_authenticated':
      return 'You are already logged in. Log out first to use another account.';
    default:
      return describeProblem(error);
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
    case 'not_logged_in':
    case 'login_required':
      return 'Not delivered: you are logged out. Log in, then retry.';
    case 'rate_limited':
      return 'Not delivered: too many messages at once. Wait a moment, then retry.';
    case 'unavailable':
      return 'Not delivered: the server cannot reach its database right now. Retry in a moment.';
    case 'busy':
      return 'Not delivered: the server is very busy right now. Retry in a moment.';
    case 'invalid_argument':
    case 'invalid_request':
      return 'Not delivered: the message is empty or too long.';
    default:
      return 'Not delivered: something went wrong. Retry; if it keeps happening, restart the app.';
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
      return `Could not ${action} ${name}. ${describeProblem(error)}`;
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
      return `The private chat with ${peer} is not open. Start it again to continue.`;
    case 'not_logged_in':
    case 'login_required':
      return `You are logged out. Log in again in the main window to chat privately with ${peer}.`;
    default:
      return `The private chat with ${peer} did not work. ${describeProblem(error)}`;
  }
}

export function describePrivateClose(reason: PrivateCloseReason, peer: string): string {
  switch (reason) {
    case 'me':
      return `You ended the private chat with ${peer}.`;
    case 'peer':
      return `${peer} ended the private chat.`;
    case 'logout':
      return `The private chat with ${peer} ended when you logged out.`;
    case 'unreachable':
      return `${peer}'s computer could not be reached, so the private chat ended.`;
  }
}

/**
 * Why a file can not be sent at all, checked in the app before anything goes out; null when it can.
 * `max`: the server's own limit for files of direct and group chats (hello's maxFileBytes).
 */
export function checkFileToSend(name: string, size: number, max = FILE_MAX_BYTES): string | null {
  const limit = Math.min(max, FILE_MAX_BYTES);
  if (size > limit) return `${name} is too large to send: files can have at most ${formatBytes(limit)}.`;
  if (size === 0) return `${name} is empty: there is nothing to send.`;
  const problem = fileNameProblem(name);
  return problem ? `This file cannot be sent: ${problem}. Rename it and try again.` : null;
}

/** What happened to a file that did not make it, in the app's words. */
export function describeFileEnd(transfer: FileTransfer): string | null {
  const { name, peer } = transfer;
  if (transfer.state === 'cancelled') {
    return transfer.cancelledBy === 'peer' ? `${peer} cancelled ${name}.` : `You cancelled ${name}.`;
  }
  if (transfer.state !== 'failed') return null;
  if (transfer.via === 'server') return describeChatFileEnd(transfer);
  switch (transfer.reason) {
    case 'too_large':
      return `${name} was refused: it is larger than ${formatBytes(FILE_MAX_BYTES)}.`;
    case 'bad_name':
      return `${name} was refused because of its name. Rename it and send it again.`;
    case 'too_many':
      return `${peer} is already receiving ${FILE_TRANSFERS_MAX} files. Send ${name} again when one of them is done.`;
    case 'hash_mismatch':
      return `${name} arrived damaged (its contents did not match) and was thrown away. Send it again.`;
    case 'size_mismatch':
      return `${name} did not arrive whole and was thrown away. Send it again.`;
    case 'interrupted':
      return `The private chat was interrupted, so ${name} did not arrive. Send it again.`;
    case 'disk':
      return `${name} could not be written to disk on the receiving computer.`;
    default:
      return `${peer}'s app refused ${name}.`;
  }
}

/**
 * A failed file call (start, piece, cancel, download), in the app's words. `peer`: the private
 * chat's, or null for a file of a direct or group chat (through the server).
 */
export function describeFileError(error: ApiError, name: string, peer: string | null): string {
  switch (error.code) {
    case 'file_too_large':
      return `${name} is larger than the server takes. Send a smaller file.`;
    case 'too_many_transfers':
      return `${FILE_TRANSFERS_MAX} files are on their way already. Try ${name} again when one of them is done.`;
    case 'transfer_ended':
    case 'unknown_transfer':
      return `${name} is no longer on its way.`;
    case 'invalid_argument':
      // The app checked name and size first; what is left is a file that changed while being read.
      return `${name} changed or could not be read while it was being sent. Send it again.`;
    default:
      return peer === null ? `${name}: ${describeProblem(error)}` : describePrivateError(error, peer);
  }
}

/** What happened to a file of a direct or group chat (through the server) that did not make it. */
function describeChatFileEnd(transfer: FileTransfer): string {
  const { name } = transfer;
  const sending = transfer.direction === 'send';
  switch (transfer.reason) {
    case 'too_large':
      return `${name} is larger than the server takes. Send a smaller file.`;
    case 'bad_name':
      return `The server refused the name of ${name}. Rename it and send it again.`;
    case 'too_many':
      return `You have ${UPLOADS_IN_PROGRESS_MAX} files on their way already (on all your devices). Send ${name} when one of them is done.`;
    case 'hash_mismatch':
    case 'size_mismatch':
      return sending
        ? `${name} changed while it was being sent. Send it again.`
        : `${name} arrived damaged and was thrown away. Download it again.`;
    case 'server_full':
      return `The server has no room for ${name} right now. Try again later.`;
    case 'unavailable':
      return `${name} is no longer available (the message was deleted, or you blocked its sender).`;
    case 'interrupted':
      return `${name} stopped when you logged out. ${sending ? 'Send' : 'Download'} it again.`;
    case 'refused':
      return `${name} was not delivered.`;
    default:
      return `The server refused ${name}. ${sending ? 'Send' : 'Download'} it again later.`;
  }
}
