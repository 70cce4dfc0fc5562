/**
 * Authentication hardening: the lockout holds against many simultaneous attempts from many
 * connections, and passwords never reach the log, even at the most verbose level.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { spawnServer, startTestServer, writeCredentials } from '../helpers/server.js';

const fixture = useServerFixture({ dirPrefix: 'messenger-auth-' });
const { clients, dir } = fixture;

describe('lockout under parallel attack', () => {
  it('locks after exactly three of 20 simultaneous wrong passwords and refuses the right one', async () => {
    fixture.server = await startTestServer({ blockDurationSeconds: 60 });
    const port = fixture.server.port;
    const attackers = await Promise.all(Array.from({ length: 20 }, () => RawClient.open(port)));
    clients.push(...attackers);
    const errors = await Promise.all(
      attackers.map((client, i) => client.fail('login', { username: 'yoda', password: `guess-${i}` })),
    );
    const count = (code: string) => errors.filter((error) => error.code === code).length;
    expect(count('wrong_password')).toBe(2);
    expect(count('wrong_password_locked')).toBe(1);
    expect(count('account_locked')).toBe(17);
    // A second wave racing with the right password, from fresh connections: all refused.
    const second = await Promise.all(Array.from({ length: 5 }, () => RawClient.open(port)));
    clients.push(...second);
    const outcomes = await Promise.all(
      second.map((client, i) =>
        client.request('login', { username: 'yoda', password: i % 2 === 0 ? 'wise' : 'nope' }),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome.ok ? 'logged in' : outcome.error.code).toBe('account_locked');
    }
  });
});

describe('passwords and logs', () => {
  it('never writes a password to the log, even at --log-level trace', async () => {
    const secret = 'Pa55-tr4ce-Sekret';
    const wrong = 'Wr0ng-tr4ce-Guess';
    const registered = 'N3w-acc0unt-Pw';
    const credentials = writeCredentials(dir, { yoda: secret });
    const child = await spawnServer([
      ...['0', '10', '60', '--db', join(dir, 'trace.db'), '--credentials', credentials],
      ...['--kdf-cost', '1024', '--log-level', 'trace', '--open-registration'],
    ]);
    try {
      const client = await RawClient.open(child.port);
      clients.push(client);
      await client.fail('login', { username: 'yoda', password: wrong });
      await client.call('register', { username: 'rey', password: registered });
      await client.call('login', { username: 'yoda', password: secret });
      client.sendRaw(`{"type":"login","id":99,"username":"yoda","password":"${wrong}"}\n`);
      client.sendRaw(`{"type":"login","id":"bad","password":"${wrong}"}\n`);
      await client.call('logout', {});
      await client.waitClosed();
    } finally {
      expect(await child.stop('SIGTERM')).toBe(0);
    }
    const log = child.stderr();
    expect(log).toContain('"msg":"login"'); // the log is on and saw the logins
    for (const password of [secret, wrong, registered]) expect(log).not.toContain(password);
  });
});
