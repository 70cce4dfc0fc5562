/**
 * "Commit before reply", checked deterministically: a Session is driven through an in-memory socket,
 * and at the moment each reply is written the database is read through a second SQLite connection,
 * which (WAL) sees committed data only. A reply that left before its transaction committed would
 * find its message missing. The crash test (test/reliability/durability.test.ts) cannot hit that
 * window reliably; this test always does.
 */
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildContext, createLogger } from '../../server/app.js';
import { Session } from '../../server/sessions.js';
import type { ServerContext } from '../../server/context.js';
import { LocalBus } from '../../server/bus/local-bus.js';
import { openSqliteStore, type SqliteStore } from '../../server/store/sqlite/sqlite-store.js';
import { encodeFrame } from '../../src/shared/codec.js';
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';
import { ManualSync } from '../helpers/manual-wal-sync.js';
import { TEST_KDF_COST, makeTempDir } from '../helpers/server.js';

const dir = makeTempDir('messenger-commit-order-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Just enough of a net.Socket for a Session: frames written to it are handed to `onFrame`. */
class MemorySocket extends Duplex {
  readonly remoteAddress = '127.0.0.1';
  constructor(private readonly onFrame: (frame: Record<string, unknown>) => void) {
    super();
  }
  setNoDelay(): this {
    return this;
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line !== '') this.onFrame(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
  send(frame: unknown): void {
    this.push(encodeFrame(frame));
  }
}

/** The services of a server on `storage`, with the accounts yoda and hans committed. */
async function serverWithYodaAndHans(storage: SqliteStore): Promise<ServerContext> {
  const ctx = buildContext(
    storage,
    new LocalBus(),
    { port: 0, blockDurationSeconds: 60, timeoutSeconds: 0, kdfCost: TEST_KDF_COST },
    createLogger('silent'),
  );
  await ctx.accounts.register('yoda', 'wise');
  await ctx.accounts.register('hans', 'falcon');
  storage.flush();
  return ctx;
}

describe('commit before reply', () => {
  it('has every acknowledged message and ack committed when its reply is written', async () => {
    const path = join(dir, 'order.db');
    const storage = openSqliteStore(path);
    const ctx = await serverWithYodaAndHans(storage);
    const reader = new Database(path, { readonly: true });
    const committed = reader.prepare('SELECT acked FROM messages WHERE id = ?').pluck();
    const checks: string[] = [];
    const replies = new Map<number, Record<string, unknown>>();
    const socket = new MemorySocket((frame) => {
      if (frame.type !== 'reply') return;
      replies.set(frame.id as number, frame);
      const result = frame.result as { message?: { id: number } } | undefined;
      if (result?.message) {
        checks.push(
          `message ${result.message.id}: ${committed.get(result.message.id) === undefined ? 'MISSING' : 'ok'}`,
        );
      }
    });
    let hansGotFirst = false;
    const hansSocket = new MemorySocket((frame) => {
      if (frame.type === 'message' && (frame.message as { id: number }).id === 1) hansGotFirst = true;
      if (frame.type !== 'reply' || frame.id !== 9) return;
      const acked = committed.get(1);
      checks.push(`ack: ${acked === 1 ? 'ok' : 'NOT COMMITTED'}`);
    });
    try {
      new Session(socket as unknown as Socket, ctx, () => {});
      new Session(hansSocket as unknown as Socket, ctx, () => {});
      socket.send({ type: 'hello', id: 1, version: PROTOCOL_VERSION });
      socket.send({ type: 'login', id: 2, username: 'yoda', password: 'wise' });
      await expect.poll(() => replies.get(2)?.ok).toBe(true);
      for (let i = 0; i < 20; i++) socket.send({ type: 'message', id: 10 + i, to: 'hans', text: `m${i}` });
      await expect.poll(() => checks.length).toBe(20);
      hansSocket.send({ type: 'hello', id: 1, version: PROTOCOL_VERSION });
      hansSocket.send({ type: 'login', id: 2, username: 'hans', password: 'falcon' });
      // An ack covers only messages written to the connection: hans acks what he has received.
      await expect.poll(() => hansGotFirst).toBe(true);
      hansSocket.send({ type: 'ack', id: 9, upTo: 1 });
      await expect.poll(() => checks.length).toBe(21);
      expect(checks).toEqual([...Array.from({ length: 20 }, (_, i) => `message ${i + 1}: ok`), 'ack: ok']);
    } finally {
      // Let both sessions see their sockets close (they record the logout) before the database goes.
      await Promise.all(
        [socket, hansSocket].map((s) => new Promise((resolve) => s.once('close', resolve).destroy())),
      );
      await new Promise((resolve) => setImmediate(resolve));
      reader.close();
      await storage.close();
    }
  });

  it('holds a reply queued after a write until that write is synced, while earlier frames go out', async () => {
    const path = join(dir, 'pipelined.db');
    let wal: ManualSync | undefined;
    const storage = openSqliteStore(path, {
      walSync: () => (wal = new ManualSync()),
    });
    const sync = wal as unknown as ManualSync;
    sync.auto = true;
    const ctx = await serverWithYodaAndHans(storage);
    const reader = new Database(path, { readonly: true });
    const committed = reader.prepare('SELECT 1 FROM messages WHERE id = ?').pluck();
    /** Reply id → whether its message (if any) was committed when the reply was written. */
    const replies = new Map<number, { stored: boolean }>();
    const socket = new MemorySocket((frame) => {
      if (frame.type !== 'reply') return;
      const messageId = (frame.result as { message?: { id: number } } | undefined)?.message?.id;
      replies.set(frame.id as number, {
        stored: messageId === undefined || committed.get(messageId) !== undefined,
      });
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    try {
      new Session(socket as unknown as Socket, ctx, () => {});
      socket.send({ type: 'hello', id: 1, version: PROTOCOL_VERSION });
      socket.send({ type: 'login', id: 2, username: 'yoda', password: 'wise' });
      await expect.poll(() => replies.has(2)).toBe(true);
      await turn();
      sync.auto = false;
      // Message 10 commits and its sync starts; message 11 is then written while that sync runs.
      socket.send({ type: 'message', id: 10, to: 'hans', text: 'first' });
      await expect.poll(() => sync.pending.length).toBe(1);
      socket.send({ type: 'message', id: 11, to: 'hans', text: 'second' });
      await turn();
      await turn();
      sync.finish();
      await turn();
      // The first reply leaves with its sync; the second waits for its own commit and sync.
      expect(replies.get(10)).toMatchObject({ stored: true });
      expect(replies.has(11)).toBe(false);
      await expect.poll(() => sync.pending.length).toBe(1);
      sync.finish();
      await expect.poll(() => replies.get(11)).toMatchObject({ stored: true });
    } finally {
      sync.auto = true;
      await new Promise((resolve) => socket.once('close', resolve).destroy());
      await turn();
      reader.close();
      await storage.close();
    }
  });
});
