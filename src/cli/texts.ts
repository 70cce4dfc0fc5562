/**
 * Every text the terminal client prints, and the one mapping from result codes to texts.
 * Texts marked verbatim in docs (behaviour.md) come from the original report and must not change.
 */
import type { ApiError } from '../shared/api.js';
import { TEXT_MAX_LENGTH } from '../shared/limits.js';

export const texts = {
  usernamePrompt: 'Username: ',
  passwordPrompt: 'Password: ',
  newPasswordPrompt: 'New password: ',
  confirmPasswordPrompt: 'Confirm password: ',
  welcome: 'Welcome to the greatest messaging application ever!',
  invalidUsername: 'Invalid Username. Please try again',
  invalidPassword: 'Invalid Password. Please try again',
  passwordBlocked: 'Invalid Password. Your account has been blocked. Please try again later',
  accountLocked: 'Your account is blocked due to multiple login failures. Please try again later',
  alreadyLoggedIn: 'Error. This user is already logged in',
  loginRateLimited: (retryAfterMs: number | undefined) => {
    if (retryAfterMs === undefined) return 'Error. Too many login attempts. Please try again later';
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return `Error. Too many login attempts. Please try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  },
  passwordsDiffer: 'Error. The passwords do not match',
  registrationFailed: 'Error. Could not create the account',
  usernameLookAlike: 'Error. This username looks too much like an existing one. Please choose another',
  invalidCommand: 'Error. Invalid command',
  textTooLong: `Error. The message is too long (at most ${TEXT_MAX_LENGTH} characters)`,
  receiverIsSelf: 'The receiver can not be yourself.',
  receiverInvalid: 'The receiver is an invalid user.',
  recipientBlockedYou: 'Your message could not be delivered as the recipient has blocked you',
  broadcastPartial: 'Your message could not be delivered to some recipients',
  noOtherUsers: 'No other users are online',
  noneSince: (seconds: number) => `No other users has logged in with the past ${seconds} seconds`,
  blocked: (user: string) => `${user} has been blocked`,
  blockSelf: 'Error. Cannot block self',
  blockUnknown: 'Error. Cannot find the person',
  unblocked: (user: string) => `Has unblocked ${user}`,
  unblockSelf: 'Error. Cannot unblock self',
  unblockUnknown: 'Error. Cannot find this user',
  notBlocked: 'Error. This user was not already blocked',
  privateStarted: (user: string) => `Start private messaging with ${user}`,
  privateSelf: 'Error. Cannot start private messaging with yourself',
  privateUnknown: 'Error. Cannot find this user',
  privateOffline: (user: string) => `Error. ${user} is offline`,
  privateBlocked: (user: string) => `Error. ${user} has blocked you`,
  privateNotEnabled: (user: string) => `Error. Private messaging to ${user} not enabled`,
  privateUnreachable: (user: string) => `Error. ${user} is not reachable for private messaging`,
  privateClosedByPeer: (user: string) => `close the p2p connection with ${user}`,
  privateReceived: (user: string, text: string) => `${user} (private): ${text}`,
  received: (from: string, text: string) => `${from}: ${text}`,
  loggedIn: (user: string) => `${user} logged in`,
  loggedOut: (user: string) => `${user} logged out`,
  timedOut: 'You have been logged out due to inactivity',
  serverLost: 'Error. The connection to the server was lost',
  serverShutdown: 'Error. The server shut down',
  cannotConnect: (address: string) => `Error. Cannot connect to the server at ${address}`,
  unexpected: (error: ApiError) => `Error. ${error.message}`,
  searchNoMatch: 'No messages match',
  searchRefused: (problem: string) => `Error. ${problem.charAt(0).toUpperCase()}${problem.slice(1)}`,
  searchMore: (shown: number) => `Only the newest ${shown} matches are shown: add words to narrow the search`,
} as const;

export type CommandKind =
  'message' | 'broadcast' | 'block' | 'unblock' | 'startprivate' | 'private' | 'stopprivate';

type ErrorTexts = Partial<Record<ApiError['code'], (target: string) => string>>;

const always = (text: string) => () => text;

/** Per command: what a failure code means to the user. `invalid_argument` here means a bad username. */
const commandErrors: Record<CommandKind, ErrorTexts> = {
  message: {
    self_target: always(texts.receiverIsSelf),
    unknown_user: always(texts.receiverInvalid),
    invalid_argument: always(texts.receiverInvalid),
    blocked_by_recipient: always(texts.recipientBlockedYou),
  },
  broadcast: {},
  block: {
    self_target: always(texts.blockSelf),
    unknown_user: always(texts.blockUnknown),
    invalid_argument: always(texts.blockUnknown),
  },
  unblock: {
    self_target: always(texts.unblockSelf),
    unknown_user: always(texts.unblockUnknown),
    invalid_argument: always(texts.unblockUnknown),
    not_blocked: always(texts.notBlocked),
  },
  startprivate: {
    self_target: always(texts.privateSelf),
    unknown_user: always(texts.privateUnknown),
    invalid_argument: always(texts.privateUnknown),
    peer_offline: texts.privateOffline,
    blocked_by_recipient: texts.privateBlocked,
    peer_unreachable: texts.privateUnreachable,
  },
  private: {
    private_not_enabled: texts.privateNotEnabled,
    invalid_argument: texts.privateNotEnabled,
    peer_unreachable: texts.privateUnreachable,
  },
  stopprivate: {
    private_not_enabled: texts.privateNotEnabled,
    invalid_argument: texts.privateNotEnabled,
  },
};

/** The text for a failed command, or undefined when the failure is the lost connection (reported once, elsewhere). */
export function commandErrorText(command: CommandKind, error: ApiError, target = ''): string | undefined {
  if (error.code === 'not_connected' || error.code === 'not_logged_in') return undefined;
  const text = commandErrors[command][error.code];
  return text ? text(target) : texts.unexpected(error);
}
