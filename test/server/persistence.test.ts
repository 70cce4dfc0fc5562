import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { spawnServer, startTestServer, writeCredentials } from '../helpers/server.js';

const fixture = useServerFixture({ dirPrefix: 'messenger-persist-' });
const { clients, dir } = fixture;

describe('persistence', () => {
  it('keeps registered accounts across a restart and stores only password hashes', async () => {
    fixture.server = await startTestServer({ openRegistration: true });
    const client = await RawClient.open(fixture.server.port);
    clients.push(client);
    await client.call('register', { username: 'rey', password: 'jakku-secret' });
    await fixture.server.restart();
    clients.push(await RawClient.login(fixture.server.port, 'rey', 'jakku-secret'));
    await fixture.server.stop();
    const db = new Database(fixture.server.dbPath, { readonly: true });
    try {
      const rows = db.prepare('SELECT name, password_hash FROM users').all() as {
        name: string;
        password_hash: string;
      }[];
      expect(rows.map((row) => row.name).sort()).toEqual(['hans', 'luke', 'rey', 'yoda']);
      for (const row of rows) expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(JSON.stringify(rows)).not.toMatch(/jakku-secret|wise|falcon/);
    } finally {
      db.close();
    }
  });

  it('upgrades a cheap hash to the configured cost at the next successful login', async () => {
    fixture.server = await startTestServer({ kdfCost: 1024 });
    await fixture.server.restart({ kdfCost: 2048 });
    const yoda = await RawClient.login(fixture.server.port, 'yoda', 'wise');
    clients.push(yoda);
    await yoda.call('logout', {});
    await yoda.waitClosed();
    await fixture.server.stop();
    const db = new Database(fixture.server.dbPath, { readonly: true });
    try {
      const hash = db.prepare("SELECT password_hash FROM users WHERE name = 'yoda'").pluck().get();
      expect(hash).toMatch(/^scrypt\$2048\$/);
    } finally {
      db.close();
    }
  });

  it('never loses an acknowledged message when the server process is killed', async () => {
    const db = join(dir, 'kill.db');
    const credentials = writeCredentials(dir, { yoda: 'wise', hans: 'falcon' });
    const args = ['0', '10', '60', '--db', db, '--credentials', credentials, '--kdf-cost', '1024'];
    const first = await spawnServer(args);
    try {
      const yoda = await RawClient.login(first.port, 'yoda', 'wise');
      clients.push(yoda);
      const sent = await Promise.all(
        Array.from({ length: 50 }, (_, i) => yoda.call('message', { to: 'hans', text: `durable ${i}` })),
      );
      expect(sent).toHaveLength(50);
    } finally {
      await first.stop('SIGKILL');
    }
    const second = await spawnServer(args);
    try {
      const hans = await RawClient.login(second.port, 'hans', 'falcon');
      clients.push(hans);
      await hans.waitFor(() => hans.eventsOf('message').length === 50);
      expect(hans.eventsOf('message').map((e) => e.message.text)).toEqual(
        Array.from({ length: 50 }, (_, i) => `durable ${i}`),
      );
    } finally {
      await second.stop();
    }
  });
});
