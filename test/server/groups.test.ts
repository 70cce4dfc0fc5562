/**
 * Group conversations through the wire (docs/protocol.md, "Groups"): membership and who may change
 * it, messages live, offline and in history pages, blocks inside a group, edits, replies, typing
 * (reactions: ./group-reactions.test.ts), and the limits. In the cluster config every server here
 * is two nodes on PostgreSQL and Redis.
 */
import { describe, expect, it } from 'vitest';
import { GROUPS_CREATED_MAX, GROUP_MEMBERS_MAX, GROUP_NAME_MAX_LENGTH } from '../../src/shared/limits.js';
import type { DirectMessage, GroupInfo } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';
import { GROUP_USERS, groupClients } from '../helpers/group-clients.js';

const fixture = useServerFixture({ checkFrames: true });
const USERS = GROUP_USERS;
const { login, logout, history, rebels } = groupClients(fixture);

const memberNames = (group: GroupInfo) => group.members.map((m) => m.name);

describe('creating a group', () => {
  it('makes the creator its admin and tells every member, with the group as it is', async () => {
    const { hans, luke, group } = await rebels();
    expect(group).toMatchObject({ name: 'Rebels', creator: 'yoda' });
    expect(group.members).toEqual([
      { name: 'hans', admin: false },
      { name: 'luke', admin: false },
      { name: 'yoda', admin: true },
    ]);
    for (const member of [hans, luke]) {
      const event = await member.waitFor((e) => e.type === 'group');
      expect(event).toEqual({
        type: 'group',
        id: group.id,
        action: 'created',
        by: 'yoda',
        users: memberNames(group),
        group,
      });
    }
    const { groups } = await hans.call('conversations', {});
    expect(groups).toEqual([{ group, unread: 0 }]);
  });

  it('refuses unknown users and users who blocked the creator, and makes no group', async () => {
    fixture.server = await startTestServer({ users: USERS });
    const yoda = await login('yoda');
    const hans = await login('hans');
    await hans.call('block', { user: 'yoda' });
    expect((await yoda.fail('group_create', { name: 'x', members: ['nobody'] })).code).toBe('unknown_user');
    expect((await yoda.fail('group_create', { name: 'x', members: ['hans'] })).code).toBe(
      'blocked_by_recipient',
    );
    expect((await yoda.call('conversations', {})).groups).toEqual([]);
  });
});

describe('group messages', () => {
  it('reach every other member online, once, and are paged like direct messages', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const sent: DirectMessage[] = [];
    for (let i = 1; i <= 5; i++)
      sent.push((await yoda.call('message', { group: group.id, text: `m${i}` })).message);
    expect(sent[0]).toMatchObject({ from: 'yoda', group: group.id, text: 'm1' });
    expect(sent[0]?.to).toBeUndefined();
    for (const member of [hans, luke]) {
      await member.waitFor((e) => e.type === 'message' && e.message.id === sent[4]?.id);
      expect(member.eventsOf('message').map((e) => e.message)).toEqual(sent);
    }
    expect(yoda.eventsOf('message')).toEqual([]);

    const newest = await hans.call('history', { group: group.id, limit: 2 });
    expect(newest).toEqual({ messages: sent.slice(3), hasMore: true });
    const older = await hans.call('history', { group: group.id, limit: 10, before: sent[3]?.id });
    expect(older).toEqual({ messages: sent.slice(0, 3), hasMore: false });
    const { groups } = await luke.call('conversations', {});
    expect(groups?.[0]).toMatchObject({ last: sent[4], unread: 5 });
    await luke.call('markread', { group: group.id, upTo: sent[2]?.id as number });
    expect((await luke.call('conversations', {})).groups?.[0]?.unread).toBe(2);
  });

  it('wait for a member who is offline and come at its login', async () => {
    const { yoda, luke, group } = await rebels();
    await logout(luke);
    const a = (await yoda.call('message', { group: group.id, text: 'while you were away' })).message;
    const b = (await yoda.call('message', { group: group.id, text: 'and again' })).message;
    const back = await login('luke');
    await back.waitFor((e) => e.type === 'message' && e.message.id === b.id);
    expect(back.eventsOf('message')).toEqual([
      { type: 'message', message: a, offline: true },
      { type: 'message', message: b, offline: true },
    ]);
    await back.call('ack', { upTo: b.id });
    await logout(back);
    const again = await login('luke');
    const barrier = (await yoda.call('message', { to: 'luke', text: 'barrier' })).message;
    await again.waitFor((e) => e.type === 'message' && e.message.id === barrier.id);
    expect(again.eventsOf('message').map((e) => e.message.id)).toEqual([barrier.id]);
  });

  it('survive a restart with the group', async () => {
    const { yoda, group } = await rebels();
    const { message } = await yoda.call('message', { group: group.id, text: 'kept' });
    fixture.closeClients();
    await fixture.server.restart();
    const luke = await login('luke');
    await luke.waitFor((e) => e.type === 'message' && e.message.id === message.id);
    expect(await history(luke, group.id)).toEqual([message]);
    expect((await luke.call('conversations', {})).groups?.[0]?.group).toEqual(group);
  });

  it('are refused to a non-member exactly as to an unknown group, and nothing is stored', async () => {
    const { yoda, group } = await rebels();
    const leia = await login('leia');
    const foreign = await leia.fail('message', { group: group.id, text: 'let me in' });
    const missing = await leia.fail('message', { group: group.id + 1000, text: 'let me in' });
    expect(foreign).toEqual({ ...missing, message: foreign.message });
    expect(foreign.code).toBe('unknown_group');
    expect(foreign.message).not.toContain('Rebels');
    expect((await leia.fail('history', { group: group.id, limit: 10 })).code).toBe('unknown_group');
    expect((await leia.fail('typing', { group: group.id, typing: true })).code).toBe('unknown_group');
    expect((await leia.fail('group_add', { group: group.id, users: ['leia'] })).code).toBe('unknown_group');
    expect((await leia.fail('group_leave', { group: group.id })).code).toBe('unknown_group');
    expect(await history(yoda, group.id)).toEqual([]);
    expect((await leia.call('conversations', {})).groups).toEqual([]);
  });

  it('can answer a message of the same group only', async () => {
    const { yoda, hans, group } = await rebels();
    const { message } = await yoda.call('message', { group: group.id, text: 'question' });
    const direct = (await yoda.call('message', { to: 'hans', text: 'private' })).message;
    const reply = (await hans.call('message', { group: group.id, text: 'answer', replyTo: message.id }))
      .message;
    expect(reply.replyTo).toEqual({ id: message.id, from: 'yoda', text: 'question' });
    const refused = await hans.fail('message', { group: group.id, text: 'x', replyTo: direct.id });
    expect(refused.code).toBe('unknown_message');
    expect(await history(yoda, group.id)).toEqual([message, reply]);
  });

  it('are edited and deleted by their sender only, for every member', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const { message } = await yoda.call('message', { group: group.id, text: 'helo' });
    expect((await hans.fail('edit', { messageId: message.id, text: 'mine' })).code).toBe('not_yours');
    const leia = await login('leia');
    expect((await leia.fail('delete', { messageId: message.id })).code).toBe('unknown_message');
    const edited = (await yoda.call('edit', { messageId: message.id, text: 'hello' })).message;
    for (const member of [hans, luke]) {
      const update = await member.waitFor((e) => e.type === 'message_update');
      expect(update).toMatchObject({ message: edited, revision: 1 });
    }
    const deleted = (await yoda.call('delete', { messageId: message.id })).message;
    expect(await history(luke, group.id)).toEqual([deleted]);
  });
});

describe('membership', () => {
  it('is changed by admins only; the creator names admins', async () => {
    const { yoda, hans, luke, group } = await rebels();
    expect((await hans.fail('group_add', { group: group.id, users: ['leia'] })).code).toBe('not_admin');
    expect((await hans.fail('group_rename', { group: group.id, name: 'Mine' })).code).toBe('not_admin');
    expect((await hans.fail('group_remove', { group: group.id, user: 'luke' })).code).toBe('not_admin');
    expect((await hans.fail('group_admin', { group: group.id, user: 'hans', admin: true })).code).toBe(
      'not_admin',
    );

    await yoda.call('group_admin', { group: group.id, user: 'hans', admin: true });
    const { group: renamed } = await hans.call('group_rename', { group: group.id, name: 'Rebel Alliance' });
    expect(renamed.name).toBe('Rebel Alliance');
    const { group: grown } = await hans.call('group_add', { group: group.id, users: ['leia'] });
    expect(memberNames(grown)).toEqual(['hans', 'leia', 'luke', 'yoda']);
    const added = await luke.waitFor((e) => e.type === 'group' && e.action === 'added');
    expect(added).toMatchObject({ by: 'hans', users: ['leia'], group: grown });
    // Another admin cannot remove the creator, nor name admins.
    expect((await hans.fail('group_remove', { group: group.id, user: 'yoda' })).code).toBe('not_admin');
    expect((await hans.fail('group_admin', { group: group.id, user: 'luke', admin: true })).code).toBe(
      'not_admin',
    );
    expect((await yoda.fail('group_remove', { group: group.id, user: 'nobody' })).code).toBe('not_a_member');
  });

  it('ends for a removed member: no later messages, no history, no group', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const before = (await yoda.call('message', { group: group.id, text: 'before' })).message;
    await luke.waitFor((e) => e.type === 'message');
    await yoda.call('group_remove', { group: group.id, user: 'luke' });
    const told = await luke.waitFor((e) => e.type === 'group' && e.action === 'removed');
    expect(told).toEqual({ type: 'group', id: group.id, action: 'removed', by: 'yoda', users: ['luke'] });
    const after = (await yoda.call('message', { group: group.id, text: 'after' })).message;
    await hans.waitFor((e) => e.type === 'message' && e.message.id === after.id);
    expect(luke.eventsOf('message').map((e) => e.message.id)).toEqual([before.id]);
    expect((await luke.fail('history', { group: group.id, limit: 5 })).code).toBe('unknown_group');
    expect((await luke.fail('message', { group: group.id, text: 'hey' })).code).toBe('unknown_group');
    expect((await luke.call('conversations', {})).groups).toEqual([]);
    // Nothing waits for it at its next login either (a direct message after the backlog shows it ended).
    await logout(luke);
    const back = await login('luke');
    const barrier = (await yoda.call('message', { to: 'luke', text: 'barrier' })).message;
    await back.waitFor((e) => e.type === 'message' && e.message.id === barrier.id);
    expect(back.eventsOf('message').map((e) => e.message.id)).toEqual([barrier.id]);
  });

  it('ends for a member who leaves; the last admin leaving hands the group on', async () => {
    const { yoda, hans, luke, group } = await rebels();
    await yoda.call('group_leave', { group: group.id });
    const left = await hans.waitFor((e) => e.type === 'group' && e.action === 'left');
    expect(left).toMatchObject({ by: 'yoda', users: ['yoda'] });
    // hans joined before luke: he is the admin now.
    expect((await luke.fail('group_rename', { group: group.id, name: 'x' })).code).toBe('not_admin');
    const { group: now } = await hans.call('group_rename', { group: group.id, name: 'Without yoda' });
    expect(now.members).toEqual([
      { name: 'hans', admin: true },
      { name: 'luke', admin: false },
    ]);
    expect((await yoda.fail('message', { group: group.id, text: 'back?' })).code).toBe('unknown_group');
  });
});

describe('blocks inside a group', () => {
  it('hide the blocked member’s messages from the blocker: live, offline and in history', async () => {
    const { yoda, hans, luke, group } = await rebels();
    await hans.call('block', { user: 'luke' });
    const hidden = (await luke.call('message', { group: group.id, text: 'hans cannot see this' })).message;
    const shown = (await yoda.call('message', { group: group.id, text: 'everyone sees this' })).message;
    await hans.waitFor((e) => e.type === 'message' && e.message.id === shown.id);
    await yoda.waitFor((e) => e.type === 'message' && e.message.id === hidden.id);
    expect(hans.eventsOf('message').map((e) => e.message.id)).toEqual([shown.id]);
    expect(await history(hans, group.id)).toEqual([shown]);
    expect(await history(yoda, group.id)).toEqual([hidden, shown]);

    await hans.call('ack', { upTo: shown.id });
    await logout(hans);
    const later = (await luke.call('message', { group: group.id, text: 'still hidden' })).message;
    await yoda.waitFor((e) => e.type === 'message' && e.message.id === later.id);
    const back = await login('hans');
    // A later message comes after whatever the login's backlog holds: then it is all there.
    const barrier = (await yoda.call('message', { group: group.id, text: 'barrier' })).message;
    await back.waitFor((e) => e.type === 'message' && e.message.id === barrier.id);
    expect(back.eventsOf('message').map((e) => e.message.id)).toEqual([barrier.id]);
  });

  it('keep typing from the blocked member away from the blocker', async () => {
    const { yoda, hans, luke, group } = await rebels();
    await hans.call('block', { user: 'luke' });
    await luke.call('typing', { group: group.id, typing: true });
    const seen = await yoda.waitFor((e) => e.type === 'typing');
    expect(seen).toMatchObject({ from: 'luke', group: group.id, typing: true });
    await yoda.call('typing', { group: group.id, typing: true });
    await hans.waitFor((e) => e.type === 'typing' && e.from === 'yoda');
    expect(hans.eventsOf('typing').map((e) => e.from)).toEqual(['yoda']);
  });
});

describe('group limits', () => {
  it('refuse a long name, a group over the member limit, and more groups than a user may create', async () => {
    const many: Record<string, string> = { yoda: 'wise' };
    for (let i = 0; i < GROUP_MEMBERS_MAX; i++) many[`m${i}`] = 'pw';
    fixture.server = await startTestServer({ users: many });
    const yoda = fixture.track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    const long = await yoda.fail('group_create', {
      name: 'x'.repeat(GROUP_NAME_MAX_LENGTH + 1),
      members: ['m0'],
    });
    expect(long.code).toBe('invalid_request');
    const everyone = Object.keys(many).filter((name) => name !== 'yoda');
    expect((await yoda.fail('group_create', { name: 'Too many', members: everyone })).code).toBe(
      'group_full',
    );
    const { group } = await yoda.call('group_create', { name: 'Full', members: everyone.slice(1) });
    expect(group.members).toHaveLength(GROUP_MEMBERS_MAX);
    expect((await yoda.fail('group_add', { group: group.id, users: ['m0'] })).code).toBe('group_full');

    for (let i = 1; i < GROUPS_CREATED_MAX; i++)
      await yoda.call('group_create', { name: `g${i}`, members: ['m0'] });
    expect((await yoda.fail('group_create', { name: 'one more', members: ['m0'] })).code).toBe(
      'too_many_groups',
    );
    expect((await yoda.call('conversations', {})).groups).toHaveLength(GROUPS_CREATED_MAX);
  });
});
