/**
 * Typing notices between users on different nodes: they cross the bus like other live frames, and
 * the peer's node applies the peer's blocks (it holds the peer's block list).
 */
import { describe, expect, it } from 'vitest';
import { TYPING_TTL_MS } from '../../../src/shared/limits.js';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();

describe('typing across nodes', () => {
  it('reaches the peer on another node, and not once the peer blocked the typer there', async () => {
    await fixture.start();
    const yoda = await fixture.login(0, 'yoda', 'wise');
    const hans = await fixture.login(1, 'hans', 'falcon');
    expect(await yoda.call('typing', { to: 'hans', typing: true })).toEqual({});
    expect(await hans.waitFor((event) => event.type === 'typing')).toEqual({
      type: 'typing',
      from: 'yoda',
      typing: true,
      ttlMs: TYPING_TTL_MS,
    });
    await hans.call('block', { user: 'yoda' });
    expect(await yoda.call('typing', { to: 'hans', typing: false })).toEqual({});
    // A later frame from yoda's node to the same node: the notice to hans was handled before it.
    const luke = await fixture.login(1, 'luke', 'skywalker');
    expect(await yoda.call('typing', { to: 'luke', typing: true })).toEqual({});
    await luke.waitFor((event) => event.type === 'typing' && event.from === 'yoda');
    expect(hans.eventsOf('typing').map((event) => event.typing)).toEqual([true]);
  });

  it('is dropped for a user offline on every node (nothing waits for their login); an unknown user is refused', async () => {
    await fixture.start();
    const yoda = await fixture.login(0, 'yoda', 'wise');
    expect(await yoda.call('typing', { to: 'luke', typing: true })).toEqual({});
    expect((await yoda.fail('typing', { to: 'nobody', typing: true })).code).toBe('unknown_user');
    const luke = await fixture.login(1, 'luke', 'skywalker');
    const { message } = await yoda.call('message', { to: 'luke', text: 'hello' });
    await luke.waitFor((event) => event.type === 'message' && event.message.id === message.id);
    expect(luke.eventsOf('typing')).toEqual([]);
  });
});
