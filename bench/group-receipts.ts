/**
 * What group receipts cost the SQLite store (docs/performance.md, "Group receipts"): storing a
 * message to a group of 256 (its 255 delivery rows and the runs of group receipts), acknowledging
 * and marking read per member, and reading a sender's receipts for the whole group.
 *
 *   node --import tsx bench/group-receipts.ts [--messages 1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GROUPS_CREATED_MAX, GROUP_MEMBERS_MAX } from '../src/shared/limits.js';
import { openSqliteStore, type SqliteStore } from '../server/store/sqlite/sqlite-store.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '1000' } } });
const MESSAGES = Number(values.messages);
const LIMITS = { maxMembers: GROUP_MEMBERS_MAX, maxCreated: GROUPS_CREATED_MAX };
const members = Array.from({ length: GROUP_MEMBERS_MAX - 1 }, (_, i) => `m${i}`);

async function timed(what: string, count: number, run: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await run();
  console.log(`${what}: ${((performance.now() - start) / count).toFixed(3)} ms each (${count})`);
}

async function post(store: SqliteStore, group: number, ids: number[]): Promise<void> {
  for (let i = 0; i < MESSAGES; i++) {
    const stored = await store.groups.insertMessage({ from: 's', group, text: `m${i}`, sentAt: i });
    if ('refused' in stored) throw new Error('refused');
    ids.push(stored.message.id);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'group-receipts-bench-'));
const store = openSqliteStore(join(dir, 'bench.db'));
try {
  await Promise.all(['s', ...members].map((name) => store.accounts.create(name, 'x', 0)));
  const group = await store.groups.create({ name: 'big', creator: 's', members, at: 1 }, LIMITS);
  if ('refused' in group) throw new Error('refused');
  const ids: number[] = [];
  await timed('insertMessage to 255 members (awaited one by one)', MESSAGES, () =>
    post(store, group.id, ids),
  );
  // Half the members acknowledged everything, the others lag 100 messages behind; all read half.
  await timed('acknowledge + markRead, per member', members.length, async () => {
    for (const [i, member] of members.entries()) {
      await store.messages.acknowledge(member, i % 2 === 0 ? ids : ids.slice(0, -100));
      await store.groups.markRead(member, group.id, ids[Math.floor(ids.length / 2)] as number);
    }
  });
  await timed('receipts(sender, group) of 255 members', 200, async () => {
    for (let i = 0; i < 200; i++) await store.groups.receipts('s', group.id);
  });
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
