/**
 * The core warns before the server's idle timeout (a real server with a 4 s timeout): the warning
 * comes half-way, activity takes it back and keeps the session, and without activity the server's
 * logout follows. The core never sends activity by itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { disposeCores, loggedIn } from './support.js';

let server: TestServer | undefined;

afterEach(async () => {
  await disposeCores();
  await server?.close();
  server = undefined;
});

const TIMEOUT_SECONDS = 4;

describe('core: idle timeout warning', () => {
  it('warns before the timeout, and activity keeps the session and withdraws the warning', async () => {
    server = await startTestServer({ timeoutSeconds: TIMEOUT_SECONDS });
    const { core, log } = await loggedIn(server.port, 'yoda', 'wise');
    const loginAt = Date.now();

    const warning = await log.waitFor('idle_warning', (e) => e.logoutAt !== null);
    const warnedAfter = Date.now() - loginAt;
    expect(warnedAfter).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 500 - 100);
    expect(warnedAfter).toBeLessThan(TIMEOUT_SECONDS * 1000);
    expect(warning.logoutAt).toBeGreaterThan(Date.now());

    expect(await core.call('activity')).toEqual({ ok: true, value: {} });
    await log.waitFor('idle_warning', (e) => e.logoutAt === null);
    // Past the first deadline: still logged in.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_SECONDS * 1000 - warnedAfter + 500));
    expect(log.of('logged_out')).toEqual([]);
    expect((await core.call('whoElse')).ok).toBe(true);
  });

  it('without activity, the warning is followed by the server logging the user out', async () => {
    server = await startTestServer({ timeoutSeconds: TIMEOUT_SECONDS });
    const { log } = await loggedIn(server.port, 'yoda', 'wise');
    await log.waitFor('idle_warning', (e) => e.logoutAt !== null);
    await log.waitFor('logged_out', (e) => e.reason === 'timeout');
    expect(log.of('idle_warning').at(-1)).toEqual({ kind: 'idle_warning', logoutAt: null });
  });
});
