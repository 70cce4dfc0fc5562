/**
 * Scenario 8, message search (`search`): a store holding `searchMessages` direct messages (one
 * million in the full run), searched through the Store port (MessageStore.search, the query the
 * `search` request runs) on SQLite and on PostgreSQL. No server or socket: these figures are the
 * engines' own, under the rule of which messages a user may search.
 *
 * Seeding bypasses the write path (a million acknowledged sends would take the dm scenario's
 * hours): the adapter opens and migrates an empty store, then bulk transactions insert the rows
 * into its messages table, SQLite 50,000 rows per transaction through a prepared statement (the
 * schema's triggers fill the FTS5 index as they would for a send), PostgreSQL 100,000 rows per
 * INSERT … SELECT over generate_series (the GIN index is maintained row by row, as for a send).
 * Both get the same rows, from the same formulas (seedRow and SEED_SQL below).
 *
 * Group-heavy (`--search-groups N`, a multiple of USERS / GROUP_SIZE): N groups of GROUP_SIZE
 * members, every user in the same number of them, and every second message goes to one of its
 * sender's groups instead of its recipient. A searcher then may search its direct messages and
 * those of its groups (a tenth of all with 1,000 groups), and each search asks the index for its
 * name or any of its groups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPrivatePostgres } from '../scripts/lib/private-postgres.js';
import { openPostgresStore } from '../server/store/postgres/postgres-store.js';
import { openSqliteStore } from '../server/store/sqlite/sqlite-store.js';
import type { Store } from '../server/store/store.js';
import { pairKey } from '../server/store/conversation-key.js';
import { searchTerms } from '../src/shared/search-query.js';
import { nowMicros, round, summarizeMicros, type LatencySummary } from './lib/stats.js';
import { progress, type Sizes } from './scenarios.js';

/** Senders and recipients among this many users: each takes part in about 2 × messages / USERS. */
export const USERS = 1000;
/** Ten words, one of them in every message: each is in a tenth of them. */
const COMMON = [
  'meeting',
  'lunch',
  'project',
  'weekend',
  'travel',
  'budget',
  'coffee',
  'review',
  'launch',
  'family',
];
/** topicN is in one message of TOPICS, tagN in one of TAGS (10 of a million). */
const TOPICS = 100;
const TAGS = 100_000;
/** Knuth's multiplicative hash, mod 2^32: spreads the words over the messages, the same in JS and SQL. */
const HASH = 2_654_435_761;
const HASH_MOD = 4_294_967_296;

/** The fixed queries: a common word (10%), a rare word, two words (0.1%), a prefix (topic4, topic40…49: 11%). */
export const SEARCH_QUERIES = {
  'common word': 'meeting',
  'rare word': 'tag4242',
  'two words': 'meeting topic42',
  prefix: 'topic4*',
} as const;

export interface SearchBackendResult {
  backend: 'sqlite' | 'postgres';
  messages: number;
  seedSeconds: number;
  /** Per query name: latency over every searcher, and the mean number of results per search. */
  queries: Record<string, { latency: LatencySummary; meanResults: number }>;
}

export interface SearchResult {
  messages: number;
  /** Groups of the group-heavy seed (every second message in one); 0: direct messages only. */
  groups: number;
  searchers: number;
  pageSize: number;
  backends: SearchBackendResult[];
}

export function userName(n: number): string {
  return `user${n}`;
}

/** Message i (from 1): the same on both stores. Below 2^53 for every i up to a million: exact. */
export function seedRow(i: number): { sender: string; recipient: string; text: string } {
  const s = i % USERS;
  const r = (s + 1 + ((i * 31) % (USERS - 1))) % USERS;
  const h = (i * HASH) % HASH_MOD;
  const common = COMMON[h % COMMON.length] as string;
  const topic = Math.floor(h / COMMON.length) % TOPICS;
  const tag = Math.floor(h / (COMMON.length * TOPICS)) % TAGS;
  return {
    sender: userName(s),
    recipient: userName(r),
    text: `${common} about topic${topic} with tag${tag} see you then`,
  };
}

/** Members per group of the group-heavy seed: user (j × GROUP_SIZE + k) mod USERS is group j + 1's k-th. */
const GROUP_SIZE = 20;

/** The group of message i in a seed with `groups` groups (one of its sender's), or 0 for a direct message. */
export function seedGroup(i: number, groups: number): number {
  if (groups === 0 || i % 2 !== 0) return 0;
  const block = Math.floor((i % USERS) / GROUP_SIZE);
  return block + (USERS / GROUP_SIZE) * ((i * 7) % (groups / (USERS / GROUP_SIZE))) + 1;
}

/** seedGroup in SQL for row i, $3 groups: keep the two in step. */
const SEED_GROUP_SQL = `CASE WHEN $3 = 0 OR i % 2 <> 0 THEN 0
  ELSE (i % ${USERS}) / ${GROUP_SIZE} + ${USERS / GROUP_SIZE} * ((i * 7) % ($3 / ${USERS / GROUP_SIZE})) + 1 END`;

/** seedRow in SQL, for rows $1 + 1 … $2: keep the two in step. */
const SEED_SQL = `
  INSERT INTO messages (conversation, sender, recipient, group_id, text, sent_at, acked)
  SELECT CASE WHEN g > 0 THEN '#' || g WHEN s < r THEN s || E'\\n' || r ELSE r || E'\\n' || s END, s,
    CASE WHEN g > 0 THEN '' ELSE r END, nullif(g, 0),
    convert_to((ARRAY['${COMMON.join("','")}'])[h % ${COMMON.length} + 1] || ' about topic' || (h / ${COMMON.length}) % ${TOPICS}
      || ' with tag' || (h / ${COMMON.length * TOPICS}) % ${TAGS} || ' see you then', 'UTF8'), i, true
  FROM (
    SELECT i, (i * ${HASH}) % ${HASH_MOD} AS h, 'user' || (i % ${USERS}) AS s,
      'user' || ((i % ${USERS} + 1 + (i * 31) % ${USERS - 1}) % ${USERS}) AS r, ${SEED_GROUP_SQL} AS g
    FROM generate_series($1::bigint + 1, $2::bigint) AS i
  ) rows`;

/** The group-heavy seed's groups and members in SQL ($1 groups): seedMembers' rows. */
const GROUPS_SQL = {
  postgres: `INSERT INTO groups (id, name, creator, created_at)
    SELECT g, 'group' || g, 'user0', 0 FROM generate_series(1, $1::bigint) g`,
  postgresMembers: `INSERT INTO group_members (group_id, member)
    SELECT g, 'user' || (((g - 1) * ${GROUP_SIZE} + k) % ${USERS}) FROM generate_series(1, $1::bigint) g,
      generate_series(0, ${GROUP_SIZE - 1}) k ORDER BY g, k`,
};

/** The group-heavy seed's groups and members, the same on both stores. */
function* seedMembers(groups: number): Generator<[number, string, number]> {
  for (let g = 1; g <= groups; g++) {
    for (let k = 0; k < GROUP_SIZE; k++) yield [g, userName(((g - 1) * GROUP_SIZE + k) % USERS), k + 1];
  }
}

function seedSqliteGroups(db: Database.Database, groups: number): void {
  const group = db.prepare("INSERT INTO groups (id, name, creator, created_at) VALUES (?, ?, 'user0', 0)");
  const member = db.prepare(
    'INSERT INTO group_members (group_id, member, admin, joined) VALUES (?, ?, 0, ?)',
  );
  db.transaction(() => {
    for (let g = 1; g <= groups; g++) group.run(g, `group${g}`);
    for (const row of seedMembers(groups)) member.run(...row);
  })();
}

async function seedSqlite(path: string, messages: number, groups: number): Promise<void> {
  await openSqliteStore(path).close();
  const db = new Database(path);
  try {
    db.pragma('synchronous = OFF');
    seedSqliteGroups(db, groups);
    const insert = db.prepare(
      `INSERT INTO messages (sender, recipient, pair, group_id, text, sent_at, acked)
       VALUES (?, ?, ?, ?, ?, ?, 1)`,
    );
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i <= to; i++) {
        const { sender, recipient, text } = seedRow(i);
        const g = seedGroup(i, groups);
        if (g > 0) insert.run(sender, '', `#${g}`, g, text, i);
        else insert.run(sender, recipient, pairKey(sender, recipient), null, text, i);
      }
    });
    for (let from = 1; from <= messages; from += 50_000) batch(from, Math.min(messages, from + 49_999));
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function seedPostgres(url: string, messages: number, groups: number): Promise<void> {
  await (await openPostgresStore(url)).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    await client.query(GROUPS_SQL.postgres, [groups]);
    await client.query(GROUPS_SQL.postgresMembers, [groups]);
    for (let from = 0; from < messages; from += 100_000) {
      await client.query(SEED_SQL, [from, Math.min(messages, from + 100_000), groups]);
    }
    await client.query('VACUUM ANALYZE messages');
    await client.query('ANALYZE group_members');
  } finally {
    await client.end();
  }
}

async function measure(
  store: Store,
  searchers: number,
  pageSize: number,
): Promise<SearchBackendResult['queries']> {
  const queries: SearchBackendResult['queries'] = {};
  // One pass to warm the caches, as a running server's would be.
  for (const query of Object.values(SEARCH_QUERIES)) await search(store, userName(0), query, pageSize);
  for (const [name, query] of Object.entries(SEARCH_QUERIES)) {
    const samples: number[] = [];
    let results = 0;
    for (let n = 0; n < searchers; n++) {
      const user = userName(Math.floor((n * USERS) / searchers));
      const start = nowMicros();
      results += (await search(store, user, query, pageSize)).length;
      samples.push(nowMicros() - start);
    }
    queries[name] = { latency: summarizeMicros(samples), meanResults: round(results / searchers, 1) };
    progress(`search: ${name} p50 ${queries[name].latency.p50} ms, p99 ${queries[name].latency.p99} ms`);
  }
  return queries;
}

function search(store: Store, user: string, query: string, limit: number) {
  return store.messages.search({ user, terms: searchTerms(query), before: Number.MAX_SAFE_INTEGER, limit });
}

async function timedSeed(seed: () => Promise<void>): Promise<number> {
  const start = Date.now();
  await seed();
  return round((Date.now() - start) / 1000, 1);
}

export async function searchBench(
  sizes: Pick<Sizes, 'searchMessages' | 'searchers' | 'searchGroups'>,
): Promise<SearchResult> {
  const { searchMessages: messages, searchers, searchGroups: groups } = sizes;
  const pageSize = 20;
  const backends: SearchBackendResult[] = [];

  const dir = mkdtempSync(join(tmpdir(), 'bench-search-'));
  try {
    const path = join(dir, 'store.db');
    progress(`search: seeding ${messages} messages into SQLite`);
    const seedSeconds = await timedSeed(() => seedSqlite(path, messages, groups));
    const store = openSqliteStore(path);
    try {
      backends.push({
        backend: 'sqlite',
        messages,
        seedSeconds,
        queries: await measure(store, searchers, pageSize),
      });
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const postgres = await startPrivatePostgres({ neededFor: 'the bench scenario `search`' });
  try {
    progress(`search: seeding ${messages} messages into PostgreSQL`);
    const seedSeconds = await timedSeed(() => seedPostgres(postgres.url, messages, groups));
    const store = await openPostgresStore(postgres.url);
    try {
      backends.push({
        backend: 'postgres',
        messages,
        seedSeconds,
        queries: await measure(store, searchers, pageSize),
      });
    } finally {
      await store.close();
    }
  } finally {
    await postgres.stop();
  }
  return { messages, groups, searchers, pageSize, backends };
}
