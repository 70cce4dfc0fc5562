import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture();

async function login(name: string, password: string): Promise<RawClient> {
  return fixture.track(await RawClient.login(fixture.server.port, name, password));
}

describe('idempotent direct messages (client id)', () => {
  it('stores and delivers a resent message once, answering the retry with the stored message', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const params = { to: 'hans', text: 'hello once', clientId: 'retry-key-0001' };

    const first = await yoda.call('message', params);
    const retry = await yoda.call('message', params);
    expect(retry.message).toEqual(first.message);

    const other = await yoda.call('message', { ...params, clientId: 'retry-key-0002' });
    expect(other.message.id).toBeGreaterThan(first.message.id);
    await hans.waitFor((e) => e.type === 'message' && e.message.id === other.message.id);
    const received = hans.eventsOf('message').map((e) => e.message.id);
    expect(received).toEqual([first.message.id, other.message.id]);

    const history = await hans.call('history', { peer: 'yoda', limit: 10 });
    expect(history.messages.map((m) => m.text)).toEqual(['hello once', 'hello once']);
  });

  it('keeps client ids per sender and across a restart', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const luke = await login('luke', 'skywalker');
    const fromYoda = await yoda.call('message', { to: 'hans', text: 'a', clientId: 'shared-key-1' });
    const fromLuke = await luke.call('message', { to: 'hans', text: 'b', clientId: 'shared-key-1' });
    expect(fromLuke.message.id).not.toBe(fromYoda.message.id);

    fixture.closeClients();
    await fixture.server.restart();
    const again = await login('yoda', 'wise');
    const retry = await again.call('message', { to: 'hans', text: 'a', clientId: 'shared-key-1' });
    expect(retry.message).toEqual(fromYoda.message);
  });

  it('still refuses a retry to a recipient who has blocked the sender since', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    await hans.call('block', { user: 'yoda' });
    expect((await yoda.fail('message', { to: 'hans', text: 'x', clientId: 'blocked-key-1' })).code).toBe(
      'blocked_by_recipient',
    );
  });

  it('rejects a malformed client id', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    expect((await yoda.fail('message', { to: 'hans', text: 'x', clientId: 'bad id!' })).code).toBe(
      'invalid_request',
    );
  });
});
