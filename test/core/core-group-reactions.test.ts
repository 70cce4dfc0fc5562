/**
 * The client core with group messages against the real server (in-process, port 0): reactions on
 * a group message reach every other member's core, and a group message sent while disconnected
 * goes through the same outbox as a direct one (queued, then sent once, in order, on reconnect).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { Relay } from '../helpers/relay.js';
import { loggedIn, until, useServerPerTest } from './support.js';

const fixture = useServerPerTest();

type Member = Awaited<ReturnType<typeof loggedIn>>;

/** yoda's group "Rebels" with hans and luke, every core logged in (yoda's through `port`). */
async function rebels(port = fixture.server.port) {
  const yoda = await loggedIn(port, 'yoda', 'wise');
  const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
  const luke = await loggedIn(fixture.server.port, 'luke', 'skywalker');
  const created = await yoda.core.call('createGroup', 'Rebels', ['hans', 'luke']);
  if (!created.ok) throw new Error(JSON.stringify(created));
  return { yoda, hans, luke, id: created.value.group.id };
}

async function sendToGroup(member: Member, id: number, text: string) {
  const sent = await member.core.call('sendGroupMessage', id, text);
  if (!sent.ok || !sent.value.message) throw new Error(`send failed: ${JSON.stringify(sent)}`);
  return sent.value.message;
}

describe('core: reactions on group messages', () => {
  it('a member’s reaction is announced to the sender and the other member as message_updated', async () => {
    const { yoda, hans, luke, id } = await rebels();
    const message = await sendToGroup(yoda, id, 'dawn');
    await luke.log.waitFor('message', (e) => e.message.id === message.id);

    const added = await hans.core.call('react', message.id, '😮', true);
    expect(added).toMatchObject({
      ok: true,
      value: { message: { id: message.id, group: id, reactions: [{ emoji: '😮', users: ['hans'] }] } },
    });
    for (const other of [yoda, luke]) {
      const update = await other.log.waitFor('message_updated', (e) => e.message.id === message.id);
      expect(update.message).toEqual(added.ok ? added.value.message : undefined);
    }
    expect(hans.log.of('message_updated')).toEqual([]);
  });
});

describe('core: group messages while disconnected', () => {
  it('are queued like direct messages and sent once each, in order, on reconnect', async () => {
    // The relay stands for yoda's network: only yoda loses the server.
    const relay = new Relay(fixture.server.port);
    const port = await relay.start();
    onTestFinished(() => relay.close());
    const { yoda, hans, id } = await rebels(port);
    relay.cut();
    await until(() => yoda.core.getState().connection === 'reconnecting');

    const first = await yoda.core.call('sendGroupMessage', id, 'queued 1');
    await yoda.core.call('sendMessage', 'hans', 'queued 2');
    await yoda.core.call('sendGroupMessage', id, 'queued 3');
    expect(first).toEqual({ ok: true, value: { online: false, queued: true, clientId: expect.any(String) } });
    expect(yoda.core.getState().queued).toBe(3);
    relay.restore();

    await until(() => hans.log.of('message').length >= 3, 10_000);
    await until(() => yoda.core.getState().queued === 0);
    const sent = yoda.log.of('queued_sent');
    expect(sent[0]?.clientId).toBe(first.ok ? first.value.clientId : undefined);
    // A group message keeps the members it was sent to (its receipts' "of N"); a direct one has none.
    expect(sent.map((e) => e.recipients)).toEqual([['hans', 'luke'], undefined, ['hans', 'luke']]);
    expect(sent.map((e) => [e.message.group, e.message.text])).toEqual([
      [id, 'queued 1'],
      [undefined, 'queued 2'],
      [id, 'queued 3'],
    ]);
    expect(hans.log.of('message').map((e) => e.message.text)).toEqual(['queued 1', 'queued 2', 'queued 3']);
    const page = await hans.core.call('groupHistory', { group: id, limit: 10 });
    expect(page.ok && page.value.messages.map((m) => m.text)).toEqual(['queued 1', 'queued 3']);
  });

  it('a queued group message the server refuses (no longer a member) is reported with its group', async () => {
    const relay = new Relay(fixture.server.port);
    const port = await relay.start();
    onTestFinished(() => relay.close());
    const yoda = await loggedIn(port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const created = await hans.core.call('createGroup', 'Smugglers', ['yoda']);
    if (!created.ok) throw new Error(JSON.stringify(created));
    const id = created.value.group.id;
    relay.cut();
    await until(() => yoda.core.getState().connection === 'reconnecting');
    const queued = await yoda.core.call('sendGroupMessage', id, 'too late');
    expect(queued).toMatchObject({ ok: true, value: { queued: true } });
    expect((await hans.core.call('removeFromGroup', id, 'yoda')).ok).toBe(true);
    relay.restore();
    const failed = await yoda.log.waitFor('queued_failed');
    expect(failed).toMatchObject({
      clientId: queued.ok ? queued.value.clientId : '',
      group: id,
      text: 'too late',
      error: { code: 'unknown_group' },
    });
    expect(yoda.core.getState().queued).toBe(0);
  });
});
