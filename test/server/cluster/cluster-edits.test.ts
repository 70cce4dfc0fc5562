/**
 * Edits, deletes and replies between users on different nodes of one cluster (PostgreSQL + Redis):
 * a change made on one node reaches its recipient on the other, the other node's history shows it,
 * and a change made while the recipient was away reaches it at login on either node.
 */
import { describe, expect, it } from 'vitest';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

describe('edits and deletes across nodes', () => {
  it('reach the recipient on the other node live, and that node’s history', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    const kept = (await yoda.call('message', { to: 'hans', text: 'helo' })).message;
    const gone = (await yoda.call('message', { to: 'hans', text: 'oops' })).message;
    const reply = (await hans.call('message', { to: 'yoda', text: 'what?', replyTo: gone.id })).message;
    expect(reply.replyTo).toEqual({ id: gone.id, from: 'yoda', text: 'oops' });

    const edited = (await yoda.call('edit', { messageId: kept.id, text: 'hello' })).message;
    const deleted = (await yoda.call('delete', { messageId: gone.id })).message;
    await hans.waitFor((e) => e.type === 'message_update' && e.message.id === gone.id);
    expect(hans.eventsOf('message_update').map((e) => e.message)).toEqual([edited, deleted]);

    const history = (await hans.call('history', { peer: 'yoda', limit: 10 })).messages;
    expect(history).toEqual([
      edited,
      deleted,
      { ...reply, replyTo: { id: gone.id, from: 'yoda', text: '', deleted: true } },
    ]);
  });

  it('made while the recipient was away reach it at login on the other node', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    const { message } = await yoda.call('message', { to: 'hans', text: 'before' });
    await hans.waitFor((e) => e.type === 'message');
    await hans.call('ack', { upTo: message.id });
    await hans.call('logout', {});
    await hans.waitClosed();

    await yoda.call('edit', { messageId: message.id, text: 'after' });
    const back = await login(0, 'hans', 'falcon');
    const update = await back.waitFor((e) => e.type === 'message_update');
    expect(update).toMatchObject({ message: { id: message.id, text: 'after' }, revision: 1 });
    expect(back.eventsOf('message')).toEqual([]);
  });
});
