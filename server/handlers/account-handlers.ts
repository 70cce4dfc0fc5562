/** hello, checkuser, register, login and logout: what a connection does before and around a login. */
import {
  MAX_FRAME_BYTES,
  PASSWORD_MAX_LENGTH,
  PROTOCOL_VERSION,
  TEXT_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
} from '../../src/shared/limits.js';
import type { RequestFrame } from '../../src/shared/protocol.js';
import type { ServerContext } from '../context.js';
import { RequestError } from '../errors.js';
import type { Connection, Handler } from './connection.js';

export const SERVER_NAME = 'greatest-messenger';

const open = { beforeLogin: true, countsAsActivity: true } as const;

export const hello: Handler<'hello'> = {
  ...open,
  run: async (connection, request, ctx) => {
    if (request.version !== PROTOCOL_VERSION) {
      connection.closeAfterReply();
      throw new RequestError(
        'unsupported_version',
        `this server speaks protocol version ${PROTOCOL_VERSION}, not ${request.version}`,
      );
    }
    connection.greeted();
    return {
      version: PROTOCOL_VERSION,
      server: SERVER_NAME,
      openRegistration: ctx.openRegistration,
      timeoutSeconds: ctx.timeoutSeconds,
      limits: {
        maxFrameBytes: MAX_FRAME_BYTES,
        usernameMaxLength: USERNAME_MAX_LENGTH,
        passwordMaxLength: PASSWORD_MAX_LENGTH,
        textMaxLength: TEXT_MAX_LENGTH,
        editWindowSeconds: ctx.messages.editWindowSeconds,
        maxFileBytes: ctx.files.limits.maxFileBytes,
      },
    };
  },
};

export const checkuser: Handler<'checkuser'> = {
  ...open,
  run: async (_connection, { username }, ctx) => ({ exists: await ctx.accounts.exists(username) }),
};

export const register: Handler<'register'> = {
  ...open,
  run: async (connection, { username, password }, ctx) => {
    if (connection.authenticated) {
      throw new RequestError('already_authenticated', 'log out before registering another account');
    }
    if (!ctx.openRegistration) {
      throw new RequestError('registration_closed', 'this server does not accept new accounts');
    }
    // Hashing the new password costs a KDF like a login: the same address limit and KDF gate.
    ctx.loginThrottle.takeAddress(connection.remoteAddress);
    const outcome = await ctx.accounts.register(username, password, (derivation) => ctx.kdf.run(derivation));
    if (outcome === 'taken') throw new RequestError('username_taken', `${username} is already taken`);
    if (outcome === 'look_alike') {
      throw new RequestError(
        'username_look_alike',
        `${username} looks too much like an existing username; choose another`,
      );
    }
    return { username };
  },
};

export const login: Handler<'login'> = {
  ...open,
  run: async (connection, request, ctx) => {
    const { username } = request;
    if (connection.authenticated) {
      throw new RequestError('already_authenticated', `this connection is already logged in`);
    }
    await checkPassword(connection, request, ctx);
    await ctx.lockout.recordSuccess(username);
    throwIfClosed(connection);
    const user = connection.becomeUser({
      username,
      watchesPresence: request.presence ?? true,
      ...(request.p2pPort === undefined ? {} : { p2pPort: request.p2pPort }),
      ...(request.publicKey === undefined ? {} : { publicKey: request.publicKey }),
    });
    if (!(await claimOrRevert(connection, user, ctx))) {
      throw new RequestError('already_logged_in', `${username} is already logged in elsewhere`);
    }
    let pendingOffline: number;
    try {
      pendingOffline = await ctx.messages.pendingCount(username);
    } catch (error) {
      await ctx.presence.release(user, false);
      connection.revertLogin();
      throw error;
    }
    ctx.logger.info({ user: username, address: connection.remoteAddress }, 'login');
    connection.afterReply(() => {
      void ctx.presence.announce(username, true).catch((error: unknown) => {
        ctx.logger.warn({ err: error, user: username }, 'login not announced');
      });
      connection.startBacklog();
    });
    return { username, pendingOffline };
  },
};

export const logout: Handler<'logout'> = {
  beforeLogin: false,
  countsAsActivity: true,
  run: async (connection) => {
    connection.logoutAfterReply();
    return {};
  },
};

/** Resolves when the password is right; throws the reply for every other outcome. */
async function checkPassword(
  connection: Connection,
  { username, password }: RequestFrame<'login'>,
  ctx: ServerContext,
): Promise<void> {
  if (!(await ctx.accounts.exists(username))) {
    throw new RequestError('unknown_user', `no user named ${username}`);
  }
  await throwIfLocked(username, ctx);
  ctx.loginThrottle.takeLogin(connection.remoteAddress, username);
  // Waits its turn for the KDF (server/kdf-gate.ts); a close meanwhile skips scrypt. (A lock set
  // meanwhile does not: checking it would hold the slot across a store read. It is checked after.)
  const correct = await ctx.accounts.verify(username, password, (derivation) =>
    ctx.kdf.run(() => {
      throwIfClosed(connection);
      return derivation();
    }),
  );
  throwIfClosed(connection);
  // Re-check: concurrent attempts (on any node) may have locked the account while scrypt ran.
  await throwIfLocked(username, ctx);
  if (!correct) await throwWrongPassword(username, ctx);
}

/** Claims the user in the directory; a connection that closed meanwhile gives the claim back. */
async function claimOrRevert(
  connection: Connection,
  user: ReturnType<Connection['becomeUser']>,
  ctx: ServerContext,
): Promise<boolean> {
  let claimed = false;
  try {
    claimed = await ctx.presence.claim(user);
  } finally {
    if (!claimed) connection.revertLogin();
  }
  if (!claimed) return false;
  if (connection.closed) {
    await ctx.presence.release(user, false);
    throwIfClosed(connection);
  }
  return true;
}

function throwIfClosed(connection: Connection): void {
  if (connection.closed) throw new RequestError('internal_error', 'connection closed');
}

async function throwIfLocked(username: string, ctx: ServerContext): Promise<void> {
  const retryAfterMs = await ctx.lockout.remainingMs(username);
  if (retryAfterMs > 0) {
    throw new RequestError('account_locked', `${username} is locked after repeated login failures`, {
      retryAfterMs,
    });
  }
}

async function throwWrongPassword(username: string, ctx: ServerContext): Promise<never> {
  const outcome = await ctx.lockout.recordFailure(username);
  if (outcome.locked === 'already') {
    throw new RequestError('account_locked', `${username} is locked after repeated login failures`, {
      retryAfterMs: outcome.retryAfterMs,
    });
  }
  if (outcome.locked) {
    throw new RequestError('wrong_password_locked', 'wrong password; the account is now locked', {
      retryAfterMs: outcome.retryAfterMs,
    });
  }
  throw new RequestError('wrong_password', 'wrong password', { attemptsLeft: outcome.attemptsLeft });
}
