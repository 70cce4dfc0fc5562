/** The client core's reactions against the real server (in-process, port 0). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { disposeCores, loggedIn } from './support.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await disposeCores();
  await server.close();
});

async function sendTo(core: Awaited<ReturnType<typeof loggedIn>>['core'], to: string, text: string) {
  const sent = await core.call('sendMessage', to, text);
  if (!sent.ok || !sent.value.message) throw new Error(`send failed: ${JSON.stringify(sent)}`);
  return sent.value.message;
}

describe('core: reactions', () => {
  it('reacts and takes it back; the author’s core announces each change as message_updated', async () => {
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    const hans = await loggedIn(server.port, 'hans', 'falcon');
    const message = await sendTo(yoda.core, 'hans', 'good news');
    await hans.log.waitFor('message', (e) => e.message.id === message.id);

    const added = await hans.core.call('react', message.id, '👍', true);
    expect(added).toMatchObject({
      ok: true,
      value: { message: { id: message.id, reactions: [{ emoji: '👍', users: ['hans'] }], revision: 1 } },
    });
    const removed = await hans.core.call('react', message.id, '👍', false);
    expect(removed).toMatchObject({ ok: true, value: { message: { id: message.id, revision: 2 } } });
    await yoda.log.waitFor('message_updated', (e) => e.message.revision === 2);
    expect(yoda.log.of('message_updated').map((e) => [e.message.revision, e.message.reactions])).toEqual([
      [1, [{ emoji: '👍', users: ['hans'] }]],
      [2, undefined],
    ]);

    const invalid = await hans.core.call('react', message.id, '🤡' as never, true);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    const stranger = await loggedIn(server.port, 'luke', 'skywalker');
    const refused = await stranger.core.call('react', message.id, '👍', true);
    expect(refused).toMatchObject({ ok: false, error: { code: 'unknown_message' } });
  });

  it('a reaction made while the author was away is announced at its login, and once acknowledged not again', async () => {
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    const hans = await loggedIn(server.port, 'hans', 'falcon');
    const message = await sendTo(yoda.core, 'hans', 'before');
    await hans.log.waitFor('message');
    await yoda.core.call('logout');

    await hans.core.call('react', message.id, '❤️', true);
    const back = await loggedIn(server.port, 'yoda', 'wise');
    const update = await back.log.waitFor('message_updated');
    expect(update.message).toMatchObject({ id: message.id, reactions: [{ emoji: '❤️', users: ['hans'] }] });
    // The core acknowledges what it announced (batched on the next tick), then logs out.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await back.core.call('logout');

    const again = await loggedIn(server.port, 'yoda', 'wise');
    await again.core.call('conversations');
    expect(again.log.of('message_updated')).toEqual([]);
  });
});
