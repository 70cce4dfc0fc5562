/**
 * Output backpressure (docs/reliability.md "Resource limits"): everything queued for a connection
 * (replies waiting for durability, bytes on their way to a gateway, bytes the client has not read)
 * counts as its output. Above a high-water mark its requests wait; a client that reads nothing
 * meanwhile is disconnected, a client that reads is only slowed down. The server suite runs these
 * with and without gateways (vitest.gateways.config.ts sets MESSENGER_TEST_GATEWAYS).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/shared/codec.js';
import { HISTORY_PAGE_MAX, TEXT_MAX_LENGTH } from '../../src/shared/limits.js';
import { hashPassword } from '../../server/accounts.js';
import { openSqliteStore } from '../../server/store/sqlite/sqlite-store.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import {
  DEFAULT_USERS,
  TEST_KDF_COST,
  spawnServer,
  startTestServer,
  writeCredentials,
} from '../helpers/server.js';

const fixture = useServerFixture({ dirPrefix: 'messenger-backpressure-' });
const { track } = fixture;
const GATEWAYS = Number(process.env.MESSENGER_TEST_GATEWAYS ?? 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * hans has written yoda a full page of the longest texts: each history page of it is about 2 MB.
 * Any user can build such a conversation; writing it to storage directly just saves time.
 */
async function seedLongConversation(dbPath: string): Promise<void> {
  const store = openSqliteStore(dbPath);
  try {
    // A message needs its recipient's account (a server importing credentials later skips it).
    if (!(await store.accounts.exists('yoda'))) {
      await store.accounts.create('yoda', await hashPassword('wise', TEST_KDF_COST), Date.now());
    }
    const text = 'h'.repeat(TEXT_MAX_LENGTH - 10);
    const sends = Array.from({ length: HISTORY_PAGE_MAX }, (_, i) =>
      store.messages.insertDirect({ from: 'hans', to: 'yoda', text: `${i} ${text}`, sentAt: Date.now() }),
    );
    await Promise.all(sends);
  } finally {
    await store.close();
  }
}

/** The server process and its gateway processes (its other child is tsx's esbuild service). */
function serverProcesses(pid: number): number[] {
  const gateways = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        // Fields after the command name (which may hold spaces): state, then the parent's pid.
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === pid && /server\/gateway\.ts/.test(command);
      } catch {
        return false; // exited meanwhile
      }
    });
  return [pid, ...gateways.map(Number)];
}

/** VmRSS (now) or VmHWM (peak so far) of the processes together, in bytes. */
function memory(pids: number[], field: 'VmRSS' | 'VmHWM'): number {
  return pids.reduce((sum, pid) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return sum + Number(match?.[1]) * 1024;
  }, 0);
}

/**
 * What the server processes may grow by while one client stops reading under a 4 MiB cap: the cap,
 * a history page being built, and the garbage collector's slack (15–30 MB measured). When only
 * what the client had not read counted, they grew by 350 MB here, and by 2 GB with a gateway.
 */
const MAX_GROWTH_BYTES = 100 * 1024 * 1024;

describe('a client that stops reading', () => {
  it('is disconnected while it pipelines large history pages; memory stays bounded and others are served', async () => {
    const dbPath = join(fixture.dir, `non-reader-${GATEWAYS}.db`);
    await seedLongConversation(dbPath);
    const server = await spawnServer([
      ...['--port', '0', '--block-duration', '60', '--timeout', '600', '--db', dbPath],
      ...['--credentials', writeCredentials(fixture.dir, DEFAULT_USERS), '--kdf-cost', `${TEST_KDF_COST}`],
      ...['--max-output-bytes', `${4 * 1024 * 1024}`, '--slow-reader-timeout', '2'],
      ...['--gateways', `${GATEWAYS}`],
    ]);
    try {
      const pids = serverProcesses(server.child.pid as number);
      expect(pids).toHaveLength(1 + GATEWAYS);
      const luke = track(await RawClient.login(server.port, 'luke', 'skywalker'));
      const hans = track(await RawClient.login(server.port, 'hans', 'falcon'));
      await luke.call('whoelse', {});
      const before = memory(pids, 'VmRSS');

      hans.socket.pause(); // never reads again
      const hansOffline = luke.waitFor(
        (e) => e.type === 'presence' && e.user === 'hans' && !e.online,
        30_000,
      );
      let settled = false;
      void hansOffline.finally(() => (settled = true)).catch(() => {});
      for (let i = 0; i < 300; i++) {
        hans.sendRaw(encodeFrame({ type: 'history', id: 100 + i, peer: 'yoda', limit: HISTORY_PAGE_MAX }));
      }
      // Meanwhile luke is answered; his messages keep the WAL syncing, so replies wait in outboxes.
      let served = 0;
      while (!settled) {
        await luke.call('message', { to: 'yoda', text: `still served ${served}` });
        await luke.call('whoelse', {});
        served++;
        await sleep(20); // a person's pace, well within the rate limit
      }
      const growth = memory(pids, 'VmHWM') - before;
      expect.soft(growth, `server processes grew by ${growth} bytes`).toBeLessThan(MAX_GROWTH_BYTES);
      await hansOffline;
      expect(served).toBeGreaterThan(0);
      hans.socket.resume();
      await hans.waitClosed();
      // The server goes on as before.
      expect(await luke.call('whoelse', {})).toBeDefined();
    } finally {
      await server.stop();
    }
  }, 90_000);
});

describe('a client that reads slowly', () => {
  it('is slowed down but not cut off while its output stays backed up longer than the slow-reader timeout', async () => {
    fixture.server = await startTestServer({ maxOutputBytes: 4 * 1024 * 1024, slowReaderTimeoutSeconds: 3 });
    await fixture.server.stop();
    await seedLongConversation(fixture.server.dbPath);
    await fixture.server.restart();
    const hans = track(await RawClient.login(fixture.server.port, 'hans', 'falcon'));
    // One read (at most 64 KB) every 50 ms: about 1.3 MB/s, so a 2 MB page takes over a second
    // to go out once the kernel's buffers are full, and requests wait for that much longer.
    hans.socket.on('data', () => {
      hans.socket.pause();
      setTimeout(() => hans.socket.resume(), 50);
    });
    const pages = Promise.all(
      Array.from({ length: 5 }, () => hans.request('history', { peer: 'yoda', limit: HISTORY_PAGE_MAX })),
    );
    const cutOff = new Promise<never>((_, reject) =>
      hans.socket.once('close', () => reject(new Error('the slow reader was disconnected'))),
    );
    const replies = await Promise.race([pages, cutOff]);
    expect(replies.every((reply) => reply.ok)).toBe(true);
    expect(hans.closed).toBe(false);
  }, 60_000);
});

describe('a client that reads promptly', () => {
  it('gets all 64 large history pages it pipelined under the default cap and stays connected', async () => {
    fixture.server = await startTestServer();
    await fixture.server.stop();
    await seedLongConversation(fixture.server.dbPath);
    await fixture.server.restart();
    const hans = track(await RawClient.login(fixture.server.port, 'hans', 'falcon'));
    // 64 pages of about 2 MB: twice the default 64 MiB cap if they were all queued at once.
    let answered = 0;
    const pages = Promise.all(
      Array.from({ length: 64 }, async () => {
        const reply = await hans.request('history', { peer: 'yoda', limit: HISTORY_PAGE_MAX });
        answered++;
        return reply;
      }),
    );
    const cutOff = new Promise<never>((_, reject) =>
      hans.socket.once('close', () => reject(new Error(`disconnected after ${answered} of 64 replies`))),
    );
    const replies = await Promise.race([pages, cutOff]);
    expect(replies.map((reply) => (reply.ok ? reply.result.messages.length : reply.error.code))).toEqual(
      Array.from({ length: 64 }, () => HISTORY_PAGE_MAX),
    );
    expect(hans.closed).toBe(false);
  }, 90_000);
});
