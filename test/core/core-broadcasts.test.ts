/** The core hands the kept broadcasts to the app, with the ids its live broadcast events carry. */
import { describe, expect, it } from 'vitest';
import { loggedIn, useServerPerTest } from './support.js';

const fixture = useServerPerTest();

describe('core: broadcasts kept', () => {
  it('lists the broadcasts sent and received, under the ids they arrived with, after a new login', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const sent = await hans.core.call('broadcast', 'hi, everyone');
    const live = await yoda.log.waitFor('broadcast');
    expect(sent).toMatchObject({ ok: true, value: { id: live.id } });
    await yoda.core.call('broadcast', 'hi, hans');
    await yoda.core.call('logout');
    expect((await yoda.core.call('login', 'yoda', 'wise')).ok).toBe(true);
    const page = await yoda.core.call('broadcasts', { limit: 10 });
    expect(page.ok && page.value.broadcasts.map((b) => [b.id, b.from, b.text])).toEqual([
      [live.id, 'hans', 'hi, everyone'],
      [live.id + 1, 'yoda', 'hi, hans'],
    ]);
  });
});
