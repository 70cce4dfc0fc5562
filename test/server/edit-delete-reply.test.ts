import { describe, expect, it } from 'vitest';
import { REPLY_EXCERPT_MAX } from '../../src/shared/limits.js';
import type { DirectMessage } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });

async function login(name: string, password: string): Promise<RawClient> {
  return fixture.track(await RawClient.login(fixture.server.port, name, password));
}

const yodaLogin = () => login('yoda', 'wise');
const hansLogin = () => login('hans', 'falcon');

/** Logs out and waits until the server has taken the user offline, so it can log in again. */
async function logout(client: RawClient): Promise<void> {
  await client.call('logout', {});
  await client.waitClosed();
}

async function historyWith(client: RawClient, peer: string): Promise<DirectMessage[]> {
  return (await client.call('history', { peer, limit: 100 })).messages;
}

describe('editing a direct message', () => {
  it('changes it for the sender, the online peer, the history and the conversation list', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const { message } = await yoda.call('message', { to: 'hans', text: 'helo' });

    const { message: edited } = await yoda.call('edit', { messageId: message.id, text: 'hello' });
    expect(edited).toMatchObject({ id: message.id, from: 'yoda', to: 'hans', text: 'hello' });
    expect(edited.editedAt).toBeGreaterThanOrEqual(message.sentAt);

    const update = await hans.waitFor((e) => e.type === 'message_update');
    expect(update).toMatchObject({ message: edited, revision: 1 });
    expect(await historyWith(hans, 'yoda')).toEqual([edited]);
    const { conversations } = await hans.call('conversations', {});
    expect(conversations[0]?.last).toEqual(edited);
  });

  it('gives every later edit a later editedAt and a higher revision', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const { message } = await yoda.call('message', { to: 'hans', text: 'one' });
    const first = (await yoda.call('edit', { messageId: message.id, text: 'two' })).message;
    const second = (await yoda.call('edit', { messageId: message.id, text: 'three' })).message;
    expect(second.editedAt).toBeGreaterThan(first.editedAt ?? Infinity);
    await hans.waitFor((e) => e.type === 'message_update' && e.revision === 2);
    expect(hans.eventsOf('message_update').map((e) => [e.message.text, e.revision])).toEqual([
      ['two', 1],
      ['three', 2],
    ]);
  });

  it('refuses the peer, a stranger and an unknown id, and changes nothing', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const luke = await login('luke', 'skywalker');
    const { message } = await yoda.call('message', { to: 'hans', text: 'mine' });

    expect((await hans.fail('edit', { messageId: message.id, text: 'his' })).code).toBe('not_yours');
    expect((await hans.fail('delete', { messageId: message.id })).code).toBe('not_yours');
    // A stranger is told the same as for an id that does not exist: nothing about the message.
    const stranger = await luke.fail('edit', { messageId: message.id, text: 'x' });
    const missing = await luke.fail('edit', { messageId: message.id + 1000, text: 'x' });
    expect(stranger).toEqual({ ...missing, message: stranger.message });
    expect(stranger.code).toBe('unknown_message');
    expect(stranger.message).not.toContain('yoda');
    expect((await luke.fail('delete', { messageId: message.id })).code).toBe('unknown_message');

    expect(await historyWith(yoda, 'hans')).toEqual([message]);
    expect(hans.eventsOf('message_update')).toEqual([]);
  });

  it('is refused once the configured edit window has passed; deleting still works', async () => {
    fixture.server = await startTestServer({ editWindowSeconds: 1 });
    const yoda = await yodaLogin();
    const { message } = await yoda.call('message', { to: 'hans', text: 'quick' });
    await yoda.call('edit', { messageId: message.id, text: 'quick fix' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const late = await yoda.fail('edit', { messageId: message.id, text: 'too late' });
    expect(late.code).toBe('edit_window_passed');
    expect((await historyWith(yoda, 'hans'))[0]?.text).toBe('quick fix');
    expect((await yoda.call('delete', { messageId: message.id })).message.deleted).toBe(true);
  });

  it('tells clients the edit window in hello', async () => {
    fixture.server = await startTestServer({ editWindowSeconds: 90 });
    const client = fixture.track(await RawClient.connect(fixture.server.port));
    const hello = await client.call('hello', { version: 1 });
    expect(hello.limits.editWindowSeconds).toBe(90);
  });
});

describe('deleting a direct message', () => {
  it('erases its text for both sides and keeps its id, sender and time', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const { message } = await yoda.call('message', { to: 'hans', text: 'oops' });

    const { message: deleted } = await yoda.call('delete', { messageId: message.id });
    expect(deleted).toEqual({ ...message, text: '', deleted: true, revision: 1 });
    const update = await hans.waitFor((e) => e.type === 'message_update');
    expect(update).toMatchObject({ message: deleted });
    expect(await historyWith(hans, 'yoda')).toEqual([deleted]);
    expect((await yoda.call('conversations', {})).conversations[0]?.last).toEqual(deleted);
  });

  it('refuses deleting twice and editing a deleted message', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const { message } = await yoda.call('message', { to: 'hans', text: 'gone' });
    await yoda.call('delete', { messageId: message.id });
    expect((await yoda.fail('delete', { messageId: message.id })).code).toBe('message_deleted');
    expect((await yoda.fail('edit', { messageId: message.id, text: 'back' })).code).toBe('message_deleted');
    expect((await historyWith(yoda, 'hans'))[0]).toMatchObject({ text: '', deleted: true });
  });
});

describe('a peer who was offline', () => {
  it('gets only the final state of messages it had not received', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const kept = (await yoda.call('message', { to: 'hans', text: 'first draft' })).message;
    const removed = (await yoda.call('message', { to: 'hans', text: 'regret' })).message;
    await yoda.call('edit', { messageId: kept.id, text: 'final' });
    await yoda.call('delete', { messageId: removed.id });

    const hans = await hansLogin();
    await hans.waitFor((e) => e.type === 'message' && e.message.id === removed.id);
    const texts = hans.events.flatMap((e) =>
      e.type === 'message' || e.type === 'message_update' ? [e.message.text] : [],
    );
    expect(texts).not.toContain('first draft');
    expect(texts).not.toContain('regret');
    expect(hans.eventsOf('message').map((e) => e.message)).toMatchObject([
      { id: kept.id, text: 'final' },
      { id: removed.id, text: '', deleted: true },
    ]);
  });

  it('gets changes to messages it had already received at its next login, once acknowledged no more', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    let hans = await hansLogin();
    const edited = (await yoda.call('message', { to: 'hans', text: 'seen' })).message;
    const deleted = (await yoda.call('message', { to: 'hans', text: 'seen too' })).message;
    await hans.waitFor((e) => e.type === 'message' && e.message.id === deleted.id);
    await hans.call('ack', { upTo: deleted.id });
    await logout(hans);

    await yoda.call('edit', { messageId: edited.id, text: 'changed while away' });
    await yoda.call('edit', { messageId: edited.id, text: 'changed twice' });
    await yoda.call('delete', { messageId: deleted.id });

    hans = await hansLogin();
    await hans.waitFor((e) => e.type === 'message_update' && e.message.id === deleted.id);
    expect(hans.eventsOf('message')).toEqual([]);
    expect(hans.eventsOf('message_update').map((e) => [e.message.id, e.message.text, e.revision])).toEqual([
      [edited.id, 'changed twice', 2],
      [deleted.id, '', 1],
    ]);
    await hans.call('ack', { upTo: deleted.id });
    await logout(hans);

    hans = await hansLogin();
    await hans.call('conversations', {});
    expect(hans.eventsOf('message_update')).toEqual([]);
  });

  it('keeps a change it never acknowledged pending for the next login', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    let hans = await hansLogin();
    const { message } = await yoda.call('message', { to: 'hans', text: 'v1' });
    await hans.waitFor((e) => e.type === 'message' && e.message.id === message.id);
    await hans.call('ack', { upTo: message.id });
    await yoda.call('edit', { messageId: message.id, text: 'v2' });
    await hans.waitFor((e) => e.type === 'message_update');
    await logout(hans);

    hans = await hansLogin();
    const again = await hans.waitFor((e) => e.type === 'message_update');
    expect(again).toMatchObject({ message: { id: message.id, text: 'v2' }, revision: 1 });
  });
});

describe('edits and deletes across a restart', () => {
  it('are kept in history and the conversation list', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const a = (await yoda.call('message', { to: 'hans', text: 'a' })).message;
    const b = (await yoda.call('message', { to: 'hans', text: 'b' })).message;
    const reply = (await yoda.call('message', { to: 'hans', text: 'c', replyTo: a.id })).message;
    await yoda.call('edit', { messageId: a.id, text: 'a, edited' });
    await yoda.call('delete', { messageId: b.id });
    const before = await historyWith(yoda, 'hans');

    fixture.closeClients();
    await fixture.server.restart();
    const again = await yodaLogin();
    const after = await historyWith(again, 'hans');
    expect(after).toEqual(before);
    expect(after.map((m) => [m.id, m.text, m.deleted ?? false, m.editedAt !== undefined])).toEqual([
      [a.id, 'a, edited', false, true],
      [b.id, '', true, false],
      [reply.id, 'c', false, false],
    ]);
    expect(after[2]?.replyTo).toEqual({ id: a.id, from: 'yoda', text: 'a, edited' });
  });
});

describe('replies', () => {
  it('carry a quote of the original to the peer, in history and the conversation list', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const original = (await yoda.call('message', { to: 'hans', text: 'question?' })).message;
    const { message } = await hans.call('message', { to: 'yoda', text: 'answer', replyTo: original.id });
    const quote = { id: original.id, from: 'yoda', text: 'question?' };
    expect(message.replyTo).toEqual(quote);
    const pushed = await yoda.waitFor((e) => e.type === 'message' && e.message.id === message.id);
    expect(pushed).toMatchObject({ message: { replyTo: quote } });
    expect((await historyWith(yoda, 'hans')).at(-1)?.replyTo).toEqual(quote);
    expect((await yoda.call('conversations', {})).conversations[0]?.last.replyTo).toEqual(quote);
  });

  it('quote at most REPLY_EXCERPT_MAX characters, and a deleted original as deleted', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const long = '😀'.repeat(REPLY_EXCERPT_MAX + 50);
    const original = (await yoda.call('message', { to: 'hans', text: long })).message;
    const { message } = await yoda.call('message', { to: 'hans', text: 'see above', replyTo: original.id });
    expect(message.replyTo?.text).toBe('😀'.repeat(REPLY_EXCERPT_MAX));

    await yoda.call('delete', { messageId: original.id });
    const [, reply] = await historyWith(yoda, 'hans');
    expect(reply?.replyTo).toEqual({ id: original.id, from: 'yoda', text: '', deleted: true });
  });

  it('must answer a message of the same conversation', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const luke = await login('luke', 'skywalker');
    const elsewhere = (await luke.call('message', { to: 'hans', text: 'private' })).message;
    const other = await yoda.fail('message', { to: 'hans', text: 'x', replyTo: elsewhere.id });
    expect(other.code).toBe('unknown_message');
    const missing = await yoda.fail('message', { to: 'hans', text: 'x', replyTo: elsewhere.id + 1000 });
    expect(missing.code).toBe('unknown_message');
    expect(await historyWith(yoda, 'hans')).toEqual([]);
  });
});
