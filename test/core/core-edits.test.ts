/** The client core's edits, deletes and replies against the real server (in-process, port 0). */
import { describe, expect, it } from 'vitest';
import { loggedIn, useServerPerTest } from './support.js';

const fixture = useServerPerTest();

async function sendTo(
  core: Awaited<ReturnType<typeof loggedIn>>['core'],
  to: string,
  text: string,
  replyTo?: number,
) {
  const sent =
    replyTo === undefined
      ? await core.call('sendMessage', to, text)
      : await core.call('sendMessage', to, text, replyTo);
  if (!sent.ok || !sent.value.message) throw new Error(`send failed: ${JSON.stringify(sent)}`);
  return sent.value.message;
}

describe('core: edit and delete', () => {
  it('edits and deletes for both sides: the peer’s core announces message_updated', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const first = await sendTo(yoda.core, 'hans', 'helo');
    const second = await sendTo(yoda.core, 'hans', 'oops');
    await hans.log.waitFor('message', (e) => e.message.id === second.id);

    const edited = await yoda.core.call('editMessage', first.id, 'hello');
    expect(edited).toMatchObject({ ok: true, value: { message: { id: first.id, text: 'hello' } } });
    const deleted = await yoda.core.call('deleteMessage', second.id);
    expect(deleted).toMatchObject({ ok: true, value: { message: { id: second.id, deleted: true } } });
    await hans.log.waitFor('message_updated', (e) => e.message.id === second.id);
    expect(hans.log.of('message_updated').map((e) => [e.message.id, e.message.text])).toEqual([
      [first.id, 'hello'],
      [second.id, ''],
    ]);

    const refused = await hans.core.call('editMessage', first.id, 'mine now');
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_yours' } });
    const invalid = await yoda.core.call('editMessage', first.id, '');
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
  });

  it('acknowledges changes: a change seen once is not announced again at the next login', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const message = await sendTo(yoda.core, 'hans', 'v1');
    await hans.log.waitFor('message');
    await hans.core.call('logout');

    await yoda.core.call('editMessage', message.id, 'v2 while away');
    const back = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const update = await back.log.waitFor('message_updated');
    expect(update.message).toMatchObject({ id: message.id, text: 'v2 while away' });
    // The core acknowledges what it announced (batched on the next tick), then logs out.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await back.core.call('logout');

    const again = await loggedIn(fixture.server.port, 'hans', 'falcon');
    await again.core.call('conversations');
    expect(again.log.of('message_updated')).toEqual([]);
  });
});

describe('core: replies', () => {
  it('sends a reply that quotes the original to the peer', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const question = await sendTo(yoda.core, 'hans', 'ready?');
    const answer = await sendTo(hans.core, 'yoda', 'yes', question.id);
    expect(answer.replyTo).toEqual({ id: question.id, from: 'yoda', text: 'ready?' });
    const got = await yoda.log.waitFor('message', (e) => e.message.id === answer.id);
    expect(got.message.replyTo).toEqual(answer.replyTo);

    const wrong = await hans.core.call('sendMessage', 'luke', 'x', question.id);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unknown_message' } });
  });
});
