/**
 * Direct messages, broadcasts, acknowledgements and receipts, history, the conversation list,
 * settings and typing notices.
 */
import { RequestError } from '../errors.js';
import { searchMessages } from '../search.js';
import { relayTyping } from '../typing.js';
import { loggedIn, type Handler } from './connection.js';

/** Past the bound of writes in flight they wait for a slot, then are refused busy, nothing stored (ctx.writes). */
export const message = loggedIn<'message'>(
  (connection, { to, group, text = '', file: upload, clientId, replyTo }, ctx) =>
    ctx.writes.admit(async () => {
      const file = upload === undefined ? undefined : await ctx.files.attachable(connection.user, upload);
      const content = { text, clientId, replyTo, file };
      const sent = await (group === undefined
        ? ctx.messages.send(connection.user, to as string, content)
        : ctx.groups.send(connection.user, group, content));
      if (upload !== undefined) await ctx.files.attached(upload);
      return sent;
    }),
);

export const edit = loggedIn<'edit'>((connection, { messageId, text }, ctx) =>
  ctx.writes.admit(() => ctx.messages.edit(connection.user, messageId, text)),
);

export const remove = loggedIn<'delete'>((connection, { messageId }, ctx) =>
  ctx.writes.admit(() => ctx.messages.delete(connection.user, messageId)),
);

/**
 * Every change, refused or not, takes from the connection's reaction allowance first (as typing
 * does), so a flood of reactions is refused before it costs a store write.
 */
export const react = loggedIn<'react'>((connection, { messageId, emoji, add }, ctx) => {
  const retryAfterMs = connection.takeReactionAllowance();
  if (retryAfterMs > 0) {
    throw new RequestError('rate_limited', 'too many reactions; slow down', { retryAfterMs });
  }
  return ctx.writes.admit(() =>
    ctx.messages.react({ id: messageId, user: connection.user, emoji, add, at: Date.now() }),
  );
});

export const broadcast = loggedIn<'broadcast'>((connection, { text }, ctx) =>
  ctx.writes.admit(() => ctx.messages.broadcast(connection.user, text)),
);

export const broadcasts = loggedIn<'broadcasts'>((connection, { before, limit }, ctx) =>
  ctx.messages.broadcasts(connection.user, before, limit),
);

/** Sent by clients on their own as messages arrive: not something the person did. */
export const ack: Handler<'ack'> = {
  beforeLogin: false,
  countsAsActivity: false,
  run: async (connection, { upTo }, ctx) => {
    await ctx.messages.acknowledge(connection.user, connection.takeDelivered(upTo));
    await ctx.messages.acknowledgeChanges(connection.user, connection.takeDeliveredChanges(upTo));
    return {};
  },
};

export const history = loggedIn<'history'>((connection, { peer, group, before, limit }, ctx) =>
  group === undefined
    ? ctx.messages.history(connection.user, peer as string, before, limit)
    : ctx.groups.history(connection.user, group, before, limit),
);

export const search = loggedIn<'search'>((connection, request, ctx) =>
  searchMessages(ctx, connection.user, request),
);

export const conversations = loggedIn<'conversations'>((connection, _request, ctx) =>
  ctx.messages.conversations(connection.user),
);

export const markread = loggedIn<'markread'>(async (connection, { peer, group, upTo }, ctx) => {
  if (group === undefined) await ctx.messages.markRead(connection.user, peer as string, upTo);
  else await ctx.groups.markRead(connection.user, group, upTo);
  return {};
});

export const settings = loggedIn<'settings'>((connection, { readReceipts }, ctx) =>
  ctx.messages.settings(connection.user, readReceipts === undefined ? {} : { readReceipts }),
);

/**
 * Not activity: the client sends it on its own as the person types (the app reports the keystrokes
 * themselves with `activity`), and whether a notice is refused as rate_limited must not decide
 * whether a session times out. Every notice, refused or not, takes from the connection's allowance
 * first, so a flood of bad ones costs the server no more than good ones.
 */
export const typing: Handler<'typing'> = {
  beforeLogin: false,
  countsAsActivity: false,
  run: async (connection, { to, group, typing }, ctx) => {
    const retryAfterMs = connection.takeTypingAllowance();
    if (retryAfterMs > 0) {
      throw new RequestError('rate_limited', 'too many typing notices; slow down', { retryAfterMs });
    }
    if (group === undefined) await relayTyping(ctx, connection.user, to as string, typing);
    else await ctx.groups.typing(connection.user, group, typing);
    return {};
  },
};
