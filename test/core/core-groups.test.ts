/** The client core's groups against the real server (in-process, port 0). */
import { describe, expect, it } from 'vitest';
import { loggedIn, useServerPerTest } from './support.js';

const fixture = useServerPerTest();

describe('core: groups', () => {
  it('creates a group, sends to it, and announces members’ messages, changes and typing', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const created = await yoda.core.call('createGroup', 'Rebels', ['hans']);
    if (!created.ok) throw new Error(JSON.stringify(created));
    const { group } = created.value;
    const told = await hans.log.waitFor('group');
    expect(told).toMatchObject({ kind: 'group', id: group.id, action: 'created', by: 'yoda', group });

    await hans.core.call('groupTyping', group.id, true);
    const typing = await yoda.log.waitFor('group_typing', (e) => (e.groups[group.id] ?? []).length > 0);
    expect(typing.groups).toEqual({ [group.id]: ['hans'] });
    // Group typing is not shown as typing in the direct chat with hans.
    expect(yoda.log.of('typing').flatMap((e) => e.peers)).toEqual([]);

    const sent = await hans.core.call('sendGroupMessage', group.id, 'hello, group');
    if (!sent.ok || !sent.value.message) throw new Error(JSON.stringify(sent));
    const { message } = sent.value;
    const got = await yoda.log.waitFor('message', (e) => e.message.id === message.id);
    expect(got.message).toMatchObject({ from: 'hans', group: group.id, text: 'hello, group' });
    // The message ends hans's typing in the group.
    await yoda.log.waitFor('group_typing', (e) => e.groups[group.id] === undefined);

    const page = await yoda.core.call('groupHistory', { group: group.id, limit: 10 });
    expect(page).toMatchObject({ ok: true, value: { messages: [message], hasMore: false } });
    const groups = await yoda.core.call('groups');
    expect(groups).toMatchObject({ ok: true, value: [{ group, last: message, unread: 1 }] });
    await yoda.core.call('markGroupRead', group.id, message.id);
    expect(await yoda.core.call('groups')).toMatchObject({ ok: true, value: [{ unread: 0 }] });
  });

  it('passes on the recipients of a message and the members’ group receipts on it', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const created = await yoda.core.call('createGroup', 'Rebels', ['hans']);
    if (!created.ok) throw new Error(JSON.stringify(created));
    const group = created.value.group.id;
    const sent = await yoda.core.call('sendGroupMessage', group, 'read me');
    if (!sent.ok || !sent.value.message) throw new Error(JSON.stringify(sent));
    const { id } = sent.value.message;
    expect(sent.value.recipients).toEqual(['hans']);
    // hans's core acknowledges what it shows; its read mark is yoda's read receipt.
    await hans.log.waitFor('message', (e) => e.message.id === id);
    const delivered = await yoda.log.waitFor('group_receipt', (e) =>
      e.members.some((m) => m.deliveredUpTo === id),
    );
    expect(delivered).toEqual({
      kind: 'group_receipt',
      group,
      members: [{ name: 'hans', since: id, deliveredUpTo: id }],
    });
    await hans.core.call('markGroupRead', group, id);
    await yoda.log.waitFor('group_receipt', (e) => e.members.some((m) => m.readUpTo === id));
    const marks = [{ name: 'hans', since: id, deliveredUpTo: id, readUpTo: id }];
    expect(await yoda.core.call('groupHistory', { group, limit: 10 })).toMatchObject({
      ok: true,
      value: { receipts: marks },
    });
    expect(await yoda.core.call('groups')).toMatchObject({ ok: true, value: [{ receipts: marks }] });
  });

  it('reports the server’s refusals with their codes', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const created = await yoda.core.call('createGroup', 'Rebels', ['hans']);
    if (!created.ok) throw new Error(JSON.stringify(created));
    const id = created.value.group.id;
    expect(await hans.core.call('renameGroup', id, 'Mine')).toMatchObject({
      ok: false,
      error: { code: 'not_admin' },
    });
    expect(await hans.core.call('leaveGroup', id)).toEqual({ ok: true, value: {} });
    expect(await hans.core.call('sendGroupMessage', id, 'hi')).toMatchObject({
      ok: false,
      error: { code: 'unknown_group' },
    });
    expect(await yoda.core.call('createGroup', '   ', ['hans'])).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument' },
    });
  });
});
