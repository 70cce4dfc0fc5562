/** Who is online, blocks, the user directory, private-chat introductions and activity pings. */
import { RequestError } from '../errors.js';
import { introduce } from '../p2p.js';
import { loggedIn } from './connection.js';

export const whoelse = loggedIn<'whoelse'>(async (connection, _request, ctx) => ({
  users: await ctx.presence.whoElse(connection.user),
}));

export const whoelsesince = loggedIn<'whoelsesince'>(async (connection, { seconds }, ctx) => ({
  users: await ctx.presence.whoElseSince(connection.user, seconds),
}));

export const block = loggedIn<'block'>(async (connection, { user }, ctx) => {
  await ctx.messages.requirePeer(connection.user, user);
  await ctx.blocks.add(connection.user, user);
  return {};
});

export const unblock = loggedIn<'unblock'>(async (connection, { user }, ctx) => {
  await ctx.messages.requirePeer(connection.user, user);
  if (!(await ctx.blocks.remove(connection.user, user))) {
    throw new RequestError('not_blocked', `${user} was not blocked`);
  }
  return {};
});

export const blocked = loggedIn<'blocked'>(async (connection, _request, ctx) => ({
  users: await ctx.blocks.list(connection.user),
}));

export const startprivate = loggedIn<'startprivate'>(async (connection, { user }, ctx) => {
  const me = connection.user;
  await ctx.messages.requirePeer(me, user);
  // Blocked before offline: the reply must not tell a blocked user whether the blocker is online,
  // which whoelse, whoelsesince and presence events hide from them.
  if (await ctx.blocks.has(user, me)) {
    throw new RequestError('blocked_by_recipient', `${user} has blocked you`);
  }
  const peer = await ctx.presence.lookup(user);
  if (!peer) throw new RequestError('peer_offline', `${user} is offline`);
  if (peer.p2pPort === undefined) {
    throw new RequestError('peer_offline', `${user} is online but not accepting private chats`);
  }
  const requester = ctx.presence.localUser(me);
  if (!requester) throw new RequestError('internal_error', 'connection closed');
  return introduce(ctx.bus, requester, peer, peer.p2pPort);
});

export const users = loggedIn<'users'>(async (connection, { prefix, limit }, ctx) => {
  const names = await ctx.accounts.search(prefix, limit);
  const [online, blockers] = await Promise.all([
    Promise.all(names.map((name) => ctx.presence.lookup(name))),
    ctx.blocks.blockersOf(connection.user),
  ]);
  return {
    users: names.map((name, index) => ({
      name,
      online: online[index] !== undefined && !blockers.has(name),
    })),
  };
});

/** The client's "I am still here" when the person types without sending. */
export const activity = loggedIn<'activity'>(async () => ({}));
