/** "Retry now": the app gets its session back at once instead of after the backoff delay. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { Relay } from '../helpers/relay.js';
import { loggedIn, until, useServerPerTest } from './support.js';

const fixture = useServerPerTest();

/** Long enough that only "Retry now" can explain a reconnect within the test. */
const SLOW_RECONNECT = { initialDelayMs: 60_000, maxDelayMs: 60_000 };

describe('core: reconnect now', () => {
  it('reconnects at once when asked, instead of waiting for the next attempt', async () => {
    const relay = new Relay(fixture.server.port);
    const port = await relay.start();
    onTestFinished(() => relay.close());
    const { core } = await loggedIn(port, 'yoda', 'wise', { reconnect: SLOW_RECONNECT });
    relay.cut();
    await until(() => core.getState().connection === 'reconnecting');
    relay.restore();
    expect(await core.call('reconnectNow')).toEqual({ ok: true, value: {} });
    await until(() => core.getState().connection === 'connected', 5_000);
    expect(core.getState().username).toBe('yoda');
  });

  it('does nothing while connected, and needs a login', async () => {
    const { core } = await loggedIn(fixture.server.port, 'yoda', 'wise');
    expect(await core.call('reconnectNow')).toEqual({ ok: true, value: {} });
    expect(core.getState().connection).toBe('connected');
    await core.call('logout');
    expect(await core.call('reconnectNow')).toMatchObject({ ok: false, error: { code: 'not_logged_in' } });
  });
});
