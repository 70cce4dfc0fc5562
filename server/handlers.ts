/**
 * One handler per request type. The session has already checked the hello/login gate and the
 * parameters' schema; a handler returns the result or throws a RequestError.
 */
import {
  MAX_FRAME_BYTES,
  PASSWORD_MAX_LENGTH,
  PROTOCOL_VERSION,
  TEXT_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
} from '../src/shared/limits.js';
import type { RequestFrame, RequestResult, RequestType } from '../src/shared/protocol.js';
import type { ServerContext } from './context.js';
import { RequestError } from './errors.js';
import { introduce } from './p2p.js';
import type { Session } from './sessions.js';

type Handler<K extends RequestType> = (
  session: Session,
  request: RequestFrame<K>,
  ctx: ServerContext,
) => RequestResult<K> | Promise<RequestResult<K>>;

export type Handlers = { [K in RequestType]: Handler<K> };

export const SERVER_NAME = 'greatest-messenger';

export const handlers: Handlers = {
  hello: (session, request, ctx) => {
    if (request.version !== PROTOCOL_VERSION) {
      session.closeAfterReply();
      throw new RequestError(
        'unsupported_version',
        `this server speaks protocol version ${PROTOCOL_VERSION}, not ${request.version}`,
      );
    }
    session.greeted();
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
      },
    };
  },
  checkuser: (_session, { username }, ctx) => ({ exists: ctx.accounts.exists(username) }),
  login: (session, request) => session.login(request),
  register: async (session, { username, password }, ctx) => {
    if (!ctx.openRegistration) {
      throw new RequestError('registration_closed', 'this server does not accept new accounts');
    }
    // Hashing the new password costs a KDF like a login: the same address limit and KDF gate.
    ctx.loginThrottle.takeAddress(session.remoteAddress);
    const outcome = await ctx.kdf.run(() => ctx.accounts.register(username, password));
    if (outcome === 'taken') throw new RequestError('username_taken', `${username} is already taken`);
    if (outcome === 'look_alike') {
      throw new RequestError(
        'username_look_alike',
        `${username} looks too much like an existing username; choose another`,
      );
    }
    return { username };
  },
  message: (session, { to, text, clientId }, ctx) => ctx.messages.send(session.user, to, text, clientId),
  broadcast: (session, { text }, ctx) => ctx.messages.broadcast(session.online(), text),
  broadcasts: (session, { before, limit }, ctx) => ctx.messages.broadcasts(session.user, before, limit),
  whoelse: (session, _request, ctx) => ({ users: ctx.presence.whoElse(session.user) }),
  whoelsesince: (session, { seconds }, ctx) => ({
    users: ctx.presence.whoElseSince(session.user, seconds),
  }),
  block: (session, { user }, ctx) => {
    ctx.messages.requirePeer(session.user, user);
    ctx.blocks.add(session.user, user);
    return {};
  },
  unblock: (session, { user }, ctx) => {
    ctx.messages.requirePeer(session.user, user);
    if (!ctx.blocks.remove(session.user, user)) {
      throw new RequestError('not_blocked', `${user} was not blocked`);
    }
    return {};
  },
  blocked: (session, _request, ctx) => ({ users: ctx.blocks.list(session.user) }),
  startprivate: (session, { user }, ctx) => {
    ctx.messages.requirePeer(session.user, user);
    // Blocked before offline: the reply must not tell a blocked user whether the blocker is online,
    // which whoelse, whoelsesince and presence events hide from them.
    if (ctx.blocks.has(user, session.user)) {
      throw new RequestError('blocked_by_recipient', `${user} has blocked you`);
    }
    const peer = ctx.presence.get(user);
    if (!peer) throw new RequestError('peer_offline', `${user} is offline`);
    const { p2pPort } = peer;
    if (p2pPort === undefined) {
      throw new RequestError('peer_offline', `${user} is online but not accepting private chats`);
    }
    return introduce(session.online(), peer, p2pPort);
  },
  activity: () => ({}),
  ack: (session, { upTo }, ctx) => {
    ctx.messages.acknowledge(session.user, upTo);
    return {};
  },
  history: (session, { peer, before, limit }, ctx) => ctx.messages.history(session.user, peer, before, limit),
  conversations: (session, _request, ctx) => ({ conversations: ctx.messages.conversations(session.user) }),
  markread: (session, { peer, upTo }, ctx) => {
    ctx.messages.markRead(session.user, peer, upTo);
    return {};
  },
  users: (session, { prefix, limit }, ctx) => ({
    users: ctx.storage.searchUsers(prefix, limit).map((name) => ({
      name,
      online: ctx.presence.get(name) !== undefined && !ctx.blocks.has(name, session.user),
    })),
  }),
  logout: (session) => {
    session.logout();
    return {};
  },
};
