/**
 * One core, two real servers whose message ids overlap: what a login receives is never hidden
 * because an earlier login (another account, another server) saw the same ids.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { disposeCores, loggedIn, makeCore, until } from './support.js';

const servers: TestServer[] = [];

async function server(users: Record<string, string>): Promise<TestServer> {
  const started = await startTestServer({ users });
  servers.push(started);
  return started;
}

afterEach(async () => {
  await disposeCores();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function sendAll(core: ReturnType<typeof makeCore>['core'], to: string, texts: string[]) {
  for (const text of texts) {
    const sent = await core.call('sendMessage', to, text);
    if (!sent.ok) throw new Error(`send failed: ${sent.error.code}`);
  }
}

const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

describe('core: one app, another account on another server', () => {
  it('delivers every message of the second login, live and offline, although their ids were seen before', async () => {
    const first = await server({ bob: 'bob-pw', carol: 'carol-pw' });
    const second = await server({ erin: 'erin-pw', dave: 'dave-pw' });
    const { core: app, log } = makeCore(first.port);

    // bob, on the first server, receives ids 1..5.
    expect(await app.call('login', 'bob', 'bob-pw')).toMatchObject({ ok: true });
    const carol = await loggedIn(first.port, 'carol', 'carol-pw');
    await sendAll(carol.core, 'bob', numbered('carol', 5));
    await until(() => log.of('message').length === 5);
    expect(await app.call('logout')).toMatchObject({ ok: true });

    // dave writes to erin on the second server before she logs in (ids 1..3, offline) ...
    const dave = await loggedIn(second.port, 'dave', 'dave-pw');
    await sendAll(dave.core, 'erin', numbered('offline', 3));
    expect(await app.call('connect', { host: '127.0.0.1', port: second.port })).toMatchObject({ ok: true });
    expect(await app.call('login', 'erin', 'erin-pw')).toMatchObject({ ok: true });
    await until(() => log.of('message').length === 8);
    // ... and after (ids 4..7, live).
    await sendAll(dave.core, 'erin', numbered('live', 4));
    await until(() => log.of('message').length === 12);

    const erinGot = log.of('message').slice(5);
    expect(erinGot.map((e) => [e.message.id, e.message.text, e.offline])).toEqual([
      [1, 'offline 1', true],
      [2, 'offline 2', true],
      [3, 'offline 3', true],
      [4, 'live 1', false],
      [5, 'live 2', false],
      [6, 'live 3', false],
      [7, 'live 4', false],
    ]);
  });
});
