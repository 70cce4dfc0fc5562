/**
 * Scenario 8b, what the message search index costs per stored message: the same direct messages
 * (bench/search.ts's seedRow, the rows the search scenario seeds) stored through the Store port's
 * real write path (MessageStore.insertDirect: SQLite's group commit with its WAL sync, PostgreSQL's
 * insert_direct), into a fresh store with the index and into one without it, alternating, so a
 * machine that slows down in between slows both alike. Each store reports the time per message
 * with 256 sends in flight (the group commit fills as under load) and the bytes it holds per
 * message. Without the index: SQLite drops the trigger that feeds FTS5 (the FTS tables stay,
 * empty); PostgreSQL drops the GIN index. Everything else of a send is the same.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPrivatePostgres } from '../scripts/lib/private-postgres.js';
import { openPostgresStore } from '../server/store/postgres/postgres-store.js';
import { openSqliteStore } from '../server/store/sqlite/sqlite-store.js';
import type { Store } from '../server/store/store.js';
import { nowMicros, round } from './lib/stats.js';
import { progress, type Sizes } from './scenarios.js';
import { seedRow, userName, USERS } from './search.js';

/** Sends in flight at once: enough for SQLite's group commit and PostgreSQL's pool to stay full. */
const IN_FLIGHT = 256;

export interface IndexCostSample {
  indexed: boolean;
  /** Wall time of the whole run over the messages stored, in microseconds. */
  usPerMessage: number;
  /** What the store holds per message (SQLite: the database file; PostgreSQL: the messages table and its indexes). */
  bytesPerMessage: number;
}

export interface IndexCostBackend {
  backend: 'sqlite' | 'postgres';
  messages: number;
  samples: IndexCostSample[];
  /** Medians over the rounds. */
  withIndex: { usPerMessage: number; bytesPerMessage: number };
  withoutIndex: { usPerMessage: number; bytesPerMessage: number };
}

export interface IndexCostResult {
  messages: number;
  rounds: number;
  backends: IndexCostBackend[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Stores messages 1 … n through insertDirect, IN_FLIGHT at a time; microseconds per message. */
async function storeMessages(store: Store, messages: number): Promise<number> {
  await Promise.all(Array.from({ length: USERS }, (_, u) => store.accounts.create(userName(u), 'x', 0)));
  let next = 1;
  const lane = async (): Promise<void> => {
    while (next <= messages) {
      const i = next++;
      const { sender, recipient, text } = seedRow(i);
      const result = await store.messages.insertDirect({ from: sender, to: recipient, text, sentAt: i });
      if (!('message' in result)) throw new Error(`message ${i} refused: ${result.refused}`);
    }
  };
  const start = nowMicros();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return (nowMicros() - start) / messages;
}

async function sqliteRun(
  dir: string,
  round: number,
  indexed: boolean,
  messages: number,
): Promise<IndexCostSample> {
  const path = join(dir, `store-${round}-${indexed ? 'indexed' : 'plain'}.db`);
  await openSqliteStore(path).close();
  if (!indexed) {
    const db = new Database(path);
    db.exec('DROP TRIGGER message_search_insert');
    db.close();
  }
  const store = openSqliteStore(path);
  let usPerMessage: number;
  try {
    usPerMessage = await storeMessages(store, messages);
  } finally {
    await store.close();
  }
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { indexed, usPerMessage, bytesPerMessage: statSync(path).size / messages };
}

async function postgresRun(freshDatabase: () => Promise<string>, indexed: boolean, messages: number) {
  const url = await freshDatabase();
  const store = await openPostgresStore(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (!indexed) await client.query('DROP INDEX messages_search');
    let usPerMessage: number;
    try {
      usPerMessage = await storeMessages(store, messages);
    } finally {
      await store.close();
    }
    const { rows } = await client.query<{ bytes: string }>(
      "SELECT pg_total_relation_size('messages') AS bytes",
    );
    return { indexed, usPerMessage, bytesPerMessage: Number(rows[0]?.bytes) / messages };
  } finally {
    await client.end();
  }
}

function summarize(backend: IndexCostBackend['backend'], messages: number, samples: IndexCostSample[]) {
  const of = (indexed: boolean) => {
    const mine = samples.filter((s) => s.indexed === indexed);
    return {
      usPerMessage: round(median(mine.map((s) => s.usPerMessage)), 1),
      bytesPerMessage: round(median(mine.map((s) => s.bytesPerMessage)), 0),
    };
  };
  const result = { backend, messages, samples, withIndex: of(true), withoutIndex: of(false) };
  progress(
    `search-index: ${backend} ${result.withIndex.usPerMessage} µs/message with the index, ` +
      `${result.withoutIndex.usPerMessage} without; ${result.withIndex.bytesPerMessage} vs ` +
      `${result.withoutIndex.bytesPerMessage} bytes/message`,
  );
  return result;
}

/** Both ways in turn, `rounds` times, on each store. */
async function alternate(
  rounds: number,
  run: (round: number, indexed: boolean) => Promise<IndexCostSample>,
): Promise<IndexCostSample[]> {
  // A first run of each, not counted: the first stores of a process run before the JIT has compiled them.
  for (const indexed of [true, false]) await run(-1, indexed);
  const samples: IndexCostSample[] = [];
  for (let r = 0; r < rounds; r++) {
    // Which goes first changes every round: neither always runs on a warmer machine.
    for (const indexed of r % 2 ? [false, true] : [true, false]) samples.push(await run(r, indexed));
  }
  return samples;
}

export async function searchIndexCost(
  sizes: Pick<Sizes, 'indexCostMessages' | 'indexCostRounds'>,
): Promise<IndexCostResult> {
  const { indexCostMessages: messages, indexCostRounds: rounds } = sizes;
  const backends: IndexCostBackend[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-search-index-'));
  try {
    progress(`search-index: ${messages} messages into SQLite, ${rounds} rounds each way`);
    const samples = await alternate(rounds, (r, indexed) => sqliteRun(dir, r, indexed, messages));
    backends.push(summarize('sqlite', messages, samples));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const postgres = await startPrivatePostgres({ neededFor: 'the bench scenario `search-index`' });
  try {
    progress(`search-index: ${messages} messages into PostgreSQL, ${rounds} rounds each way`);
    const fresh = () => postgres.freshDatabase();
    const samples = await alternate(rounds, (_, indexed) => postgresRun(fresh, indexed, messages));
    backends.push(summarize('postgres', messages, samples));
  } finally {
    await postgres.stop();
  }
  return { messages, rounds, backends };
}
