/**
 * The PostgreSQL store against a real PostgreSQL (test/helpers/postgres.ts): the Store conformance
 * suite, then what only a shared, networked database raises: ids committing in order per recipient
 * under concurrent writers, several nodes migrating at once, another node's online spans, and a
 * database that goes away and comes back.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openPostgresStore,
  type PostgresStoreOptions,
} from '../../../server/store/postgres/postgres-store.js';
import { StoreUnavailableError, type Store } from '../../../server/store/store.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { SCHEMA_VERSION } from '../../../server/store/postgres/migrations.js';
import { describeFileConformance } from './files-conformance.js';
import { describeSearchConformance } from './search-conformance.js';
import { describeStoreConformance, type StoreFixture } from './store-conformance.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

/** Stores opened by a test, closed at its end even when it fails. */
async function withStores<T>(
  run: (open: (url: string, options?: PostgresStoreOptions) => Promise<Store>) => Promise<T>,
) {
  const opened: Store[] = [];
  try {
    return await run(async (url, options) => {
      const store = await openPostgresStore(url, { onWarning: () => {}, ...options });
      opened.push(store);
      return store;
    });
  } finally {
    await Promise.all(opened.map((store) => store.close()));
  }
}

async function query<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** How long a promise takes to settle, and its rejection. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  try {
    await promise;
    return { ms: performance.now() - start, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

async function openFixture(): Promise<StoreFixture> {
  const url = await server.freshDatabase();
  const stores: Store[] = [await openPostgresStore(url)];
  return {
    store: stores[0] as Store,
    async reopen() {
      await Promise.all(stores.map((s) => s.close()));
      const store = await openPostgresStore(url);
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
    },
  };
}

describeStoreConformance('PostgreSQL', openFixture);
describeSearchConformance('PostgreSQL', openFixture);
describeFileConformance('PostgreSQL', openFixture);

describe('the PostgreSQL store', () => {
  it('commits a recipient’s messages in id order under concurrent senders on two nodes', async () => {
    await withStores(async (open) => {
      const url = await server.freshDatabase();
      const nodes = [await open(url), await open(url)];
      const senders = Array.from({ length: 20 }, (_, i) => `sender${i}`);
      await Promise.all(['inbox', ...senders].map((n) => nodes[0]?.accounts.create(n, 'h', 1)));

      // A reader streams the backlog as Session does: each page starts after the highest id seen.
      let writing = true;
      const streamed: number[] = [];
      const reader = (async () => {
        for (let cursor = 0; ;) {
          const page = await (nodes[1] as Store).messages.undeliveredAfter('inbox', cursor, 50);
          streamed.push(...page.map((m) => m.id));
          cursor = page.at(-1)?.id ?? cursor;
          if (page.length === 0 && !writing) return;
        }
      })();
      const sends = Array.from({ length: 600 }, (_, i) =>
        (nodes[i % 2] as Store).messages.insertDirect({
          from: senders[i % senders.length] as string,
          to: 'inbox',
          text: `m${i}`,
          sentAt: i,
        }),
      );
      const stored = (await Promise.all(sends)).map((r) => ('message' in r ? r.message.id : -1));
      writing = false;
      await reader;
      // Every committed id was streamed, once, in increasing order: none was skipped by a cursor
      // that had moved past it before it committed.
      expect(streamed).toEqual([...stored].sort((a, b) => a - b));
    });
  });

  it('a message to a recipient waits while another node’s message to them has drawn its id but not committed', async () => {
    await withStores(async (open) => {
      const url = await server.freshDatabase();
      const store = await open(url);
      await Promise.all(['inbox', 'slow', 'quick'].map((n) => store.accounts.create(n, 'h', 1)));
      // Another node, mid-transaction: its message to inbox has an id, and is not committed yet.
      const other = new pg.Client(url);
      await other.connect();
      try {
        await other.query('BEGIN');
        const { rows } = await other.query<{ id: string }>(
          "SELECT id FROM insert_direct('slow', 'inbox', E'inbox\\nslow', 'x'::bytea, 1, NULL, NULL)",
        );
        const quick = store.messages.insertDirect({ from: 'quick', to: 'inbox', text: 'y', sentAt: 2 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        // Had quick's message committed now, under a higher id, a reader's cursor would pass the
        // other's id before it exists.
        expect(await store.messages.undeliveredAfter('inbox', 0, 10)).toEqual([]);
        await other.query('COMMIT');
        const result = await quick;
        expect('message' in result && result.message.id).toBeGreaterThan(Number(rows[0]?.id));
        expect((await store.messages.undeliveredAfter('inbox', 0, 10)).map((m) => m.from)).toEqual([
          'slow',
          'quick',
        ]);
      } finally {
        await other.end();
      }
    });
  });

  it('of several nodes opening a fresh database at once, one migrates and all open', async () => {
    await withStores(async (open) => {
      const url = await server.freshDatabase();
      const stores = await Promise.all(Array.from({ length: 4 }, () => open(url)));
      expect(stores).toHaveLength(4);
      const versions = await query<{ version: number }>(
        url,
        'SELECT version FROM schema_version ORDER BY version',
      );
      expect(versions).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
      await (stores[3] as Store).accounts.create('leia', 'h', 1);
      expect(await (stores[0] as Store).accounts.exists('leia')).toBe(true);
    });
  });

  it('refuses a database whose schema is newer than the server', async () => {
    const url = await server.freshDatabase();
    await withStores(async (open) => void (await open(url)));
    await query(url, 'INSERT INTO schema_version (version) VALUES (99)');
    await expect(openPostgresStore(url)).rejects.toThrow(
      new RegExp(`schema version 99 is newer than this server \\(${SCHEMA_VERSION}\\)`),
    );
  });

  it('a node opening the store leaves the users online on other nodes online', async () => {
    await withStores(async (open) => {
      const url = await server.freshDatabase();
      const first = await open(url);
      await first.accounts.create('leia', 'h', 1);
      await first.accounts.create('luke', 'h', 1);
      await first.presence.online('leia', 1);
      const second = await open(url);
      await second.presence.online('luke', 2);
      const id = await second.broadcasts.insert({ from: 'luke', text: 'hi', sentAt: 3, excluded: [] });
      expect(await first.broadcasts.page('leia', Number.MAX_SAFE_INTEGER, 10)).toEqual([
        { id, from: 'luke', text: 'hi', sentAt: 3 },
      ]);
    });
  });

  it('keeps the password out of its location; a bad URL is refused with the expected form', async () => {
    await withStores(async (open) => {
      const url = await server.freshDatabase();
      const store = await open(url.replace('messenger@', 'messenger:s3cret@'));
      expect(store.location).toBe(url);
      expect(store.location).not.toContain('s3cret');
    });
    for (const bad of [
      'mysql://u@h/db',
      'postgres://127.0.0.1/db',
      'postgres://u@127.0.0.1:5432/',
      'nonsense',
    ]) {
      await expect(openPostgresStore(bad)).rejects.toThrow(
        /postgres:\/\/USER\[:PASSWORD\]@HOST\[:PORT\]\/DATABASE/,
      );
    }
  });

  it('refuses calls beyond the pool and its waiting list at once, as unavailable', async () => {
    await withStores(async (open) => {
      const store = await open(await server.freshDatabase(), { poolSize: 1, maxWaiting: 2 });
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => store.accounts.exists('leia')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      for (const result of results.filter((r) => r.status === 'rejected')) {
        expect(result.reason).toBeInstanceOf(StoreUnavailableError);
        expect(String(result.reason)).toMatch(/busy/);
      }
      expect(await store.accounts.exists('leia')).toBe(false);
    });
  });

  describe('when the database goes away', () => {
    // A cluster of its own: a fast shutdown checkpoints every file the other tests' databases
    // touched, which on a busy machine took longer than the stop timeout (CI, 2026-12-01).
    let cluster: TestPostgres;
    beforeAll(async () => {
      cluster = await startPostgres();
    }, 60_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    it.each(['fast', 'immediate'] as const)(
      'stopped (%s shutdown): calls reject with StoreUnavailableError at once, then work again without reopening, and nothing written is lost',
      async (mode) => {
        await withStores(async (open) => {
          const store = await open(await cluster.freshDatabase(), { connectTimeoutMs: 2000 });
          await store.accounts.create('leia', 'h', 1);
          await store.accounts.create('luke', 'h', 1);
          const sent = await store.messages.insertDirect({
            from: 'luke',
            to: 'leia',
            text: 'kept',
            sentAt: 1,
          });

          await cluster.halt(mode);
          try {
            const calls = [
              () => store.accounts.exists('leia'),
              () => store.messages.undeliveredAfter('leia', 0, 10),
            ];
            for (const call of calls) {
              const { ms, error } = await timed(call());
              expect(error).toBeInstanceOf(StoreUnavailableError);
              expect(String(error)).toMatch(
                /PostgreSQL at postgres:\/\/messenger@127\.0\.0\.1:\d+\/\w+ is unavailable/,
              );
              expect(ms).toBeLessThan(2500);
            }
            const write = await timed(store.blocks.add('leia', 'luke'));
            expect(write.error).toBeInstanceOf(StoreUnavailableError);
          } finally {
            await cluster.resume();
          }

          expect(await store.messages.undeliveredAfter('leia', 0, 10)).toEqual([
            'message' in sent && sent.message,
          ]);
          expect(await store.blocks.isBlocked('leia', 'luke')).toBe(false);
          await store.blocks.add('leia', 'luke');
          expect(await store.blocks.isBlocked('leia', 'luke')).toBe(true);
        });
      },
    );

    it('a store cannot open while the database is down: StoreUnavailableError, not a hang', async () => {
      const url = await cluster.freshDatabase();
      await cluster.halt();
      try {
        const { ms, error } = await timed(openPostgresStore(url, { connectTimeoutMs: 2000 }));
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(ms).toBeLessThan(2500);
      } finally {
        await cluster.resume();
      }
    });

    it('a database that stops answering (frozen) times calls out as unavailable, and they work once it answers', async () => {
      await withStores(async (open) => {
        const store = await open(await cluster.freshDatabase(), {
          statementTimeoutMs: 1000,
          connectTimeoutMs: 1000,
        });
        await store.accounts.create('leia', 'h', 1);
        cluster.freeze();
        let outcomes: { ms: number; error: unknown }[];
        try {
          outcomes = await Promise.all([
            timed(store.accounts.exists('leia')),
            timed(store.accounts.exists('leia')),
          ]);
        } finally {
          cluster.thaw();
        }
        for (const { ms, error } of outcomes) {
          expect(error).toBeInstanceOf(StoreUnavailableError);
          expect(ms).toBeLessThan(3000);
        }
        expect(await store.accounts.exists('leia')).toBe(true);
      });
    });
  });
});
