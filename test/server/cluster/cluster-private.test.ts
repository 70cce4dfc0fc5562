/**
 * Private-chat introductions between users on different nodes: the offer reaches the peer's node,
 * and the reply carries the peer's address as its own node saw it and the P2P port it gave at login.
 */
import { describe, expect, it } from 'vitest';
import { credentialSchema } from '../../../src/shared/protocol.js';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const KEY = `${'A'.repeat(42)}Q=`;

describe('startprivate across nodes', () => {
  it("pushes the offer to the peer's node and returns the peer's address and port from there", async () => {
    await fixture.start();
    // hans connects to node 1 from another loopback address: only node 1 knows it.
    const hans = await fixture.open(1, '127.0.0.7');
    await hans.call('login', { username: 'hans', password: 'falcon', p2pPort: 40001, publicKey: KEY });
    const yoda = await fixture.login(0, 'yoda', 'wise', { p2pPort: 40002 });
    const intro = await yoda.call('startprivate', { user: 'hans' });
    expect(intro).toMatchObject({ user: 'hans', host: '127.0.0.7', port: 40001, publicKey: KEY });
    expect(credentialSchema.safeParse(intro.credential).success).toBe(true);
    const offer = await hans.waitFor((event) => event.type === 'p2p_offer');
    expect(offer).toEqual({
      type: 'p2p_offer',
      from: 'yoda',
      credential: intro.credential,
      expiresAt: intro.expiresAt,
    });
  });

  it('refuses across nodes as on one: blocked, no listener, offline', async () => {
    await fixture.start();
    const yoda = await fixture.login(0, 'yoda', 'wise', { p2pPort: 40002 });
    const hans = await fixture.login(1, 'hans', 'falcon', { p2pPort: 40001 });
    await hans.call('block', { user: 'yoda' });
    expect((await yoda.fail('startprivate', { user: 'hans' })).code).toBe('blocked_by_recipient');
    await fixture.login(1, 'luke', 'skywalker');
    expect((await yoda.fail('startprivate', { user: 'luke' })).message).toMatch(/private/);
    await hans.call('unblock', { user: 'yoda' });
    await hans.call('logout', {});
    await hans.waitClosed();
    expect((await yoda.fail('startprivate', { user: 'hans' })).code).toBe('peer_offline');
    expect(hans.eventsOf('p2p_offer')).toEqual([]);
  });
});
