/**
 * Durability under crashes (docs/reliability.md): direct-message load against a real server
 * process on a SQLite file, SIGKILL at a random moment, restart on the same file, several times in
 * one run. Checked: every message whose send the server acknowledged (the reply arrived) reaches
 * its recipient; no message is delivered again after the recipient's ack was confirmed; within one
 * connection ids only increase; and, after de-duplication by id, each sender's messages arrive in
 * the order they were sent.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';
import type { ServerEvent } from '../../src/shared/protocol.js';
import { prng } from '../helpers/random.js';
import { RawClient, type Reply } from '../helpers/raw-client.js';
import {
  makeTempDir,
  spawnServer,
  stopSpawnedServers,
  writeCredentials,
  type SpawnedServer,
} from '../helpers/server.js';

const CYCLES = 4;
const SENDERS = ['s1', 's2', 's3'];
const RECEIVERS = ['r1', 'r2'];
const LANES = 4;

const dir = makeTempDir('messenger-durability-');
afterAll(async () => {
  await stopSpawnedServers();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function closed(client: RawClient): Promise<'closed'> {
  return new Promise((resolve) => {
    if (client.socket.destroyed) resolve('closed');
    else client.socket.once('close', () => resolve('closed'));
  });
}

/** Connects and says hello; undefined when the server dies meanwhile (no request left hanging). */
async function connectRaced(port: number): Promise<RawClient | undefined> {
  let client: RawClient;
  try {
    client = await RawClient.connect(port);
  } catch {
    return undefined;
  }
  const hello = await Promise.race([client.request('hello', { version: PROTOCOL_VERSION }), closed(client)]);
  if (hello === 'closed') return undefined;
  if (!hello.ok) throw new Error(`hello failed: ${hello.error.code}`);
  return client;
}

interface Sent {
  from: string;
  to: string;
  seq: number;
}

class Ledger {
  /** Messages the server acknowledged to their sender, by message id. */
  readonly acknowledged = new Map<number, Sent>();
  /** Per receiver: ids seen at least once. */
  readonly seen = new Map<string, Set<number>>(RECEIVERS.map((r) => [r, new Set()]));
  /** Per receiver: highest upTo whose ack reply arrived. */
  readonly confirmedAck = new Map<string, number>(RECEIVERS.map((r) => [r, 0]));
  /** Per receiver and sender: seq of the last first-time delivery. */
  readonly lastSeq = new Map<string, number>();
  readonly violations: string[] = [];
  readonly nextSeq = new Map<string, number>();
  deliveries = 0;

  takeSeq(from: string, to: string): number {
    const key = `${from}>${to}`;
    const seq = (this.nextSeq.get(key) ?? 0) + 1;
    this.nextSeq.set(key, seq);
    return seq;
  }

  /** Checks one delivery to `receiver` in a session whose previous id was `lastInSession`. */
  deliver(receiver: string, event: Extract<ServerEvent, { type: 'message' }>, lastInSession: number): void {
    const { id, from, text } = event.message;
    this.deliveries++;
    if (id <= lastInSession)
      this.violations.push(`${receiver}: id ${id} after ${lastInSession} in one session`);
    if (id <= (this.confirmedAck.get(receiver) ?? 0)) {
      this.violations.push(`${receiver}: id ${id} delivered again after its ack was confirmed`);
    }
    const seen = this.seen.get(receiver) as Set<number>;
    if (seen.has(id)) return;
    seen.add(id);
    const seq = Number(text.split(':')[2]);
    const key = `${from}>${receiver}`;
    if (seq <= (this.lastSeq.get(key) ?? 0)) {
      this.violations.push(`${receiver}: ${from} seq ${seq} after ${this.lastSeq.get(key)}`);
    }
    this.lastSeq.set(key, seq);
  }
}

/** Logs a receiver in and records every message; acks some of them (random). */
async function runReceiver(
  port: number,
  name: string,
  ledger: Ledger,
  random: () => number,
  ackEverything: boolean,
): Promise<{ client: RawClient; pending: number } | undefined> {
  const client = await connectRaced(port);
  if (!client) return undefined; // the server was killed first
  // Listen before logging in: the backlog may arrive in the same chunk as the login reply.
  let last = 0;
  client.onEvent((event) => {
    if (event.type !== 'message') return;
    ledger.deliver(name, event, last);
    last = event.message.id;
    if (ackEverything || random() < 0.5) {
      const upTo = event.message.id;
      void client.request('ack', { upTo }).then((reply) => {
        if (reply.ok) ledger.confirmedAck.set(name, Math.max(ledger.confirmedAck.get(name) ?? 0, upTo));
      });
    }
  });
  const login = await Promise.race([
    client.request('login', { username: name, password: 'pw' }),
    closed(client),
  ]);
  if (login === 'closed') return undefined;
  if (!login.ok) throw new Error(`login failed: ${login.error.code}`);
  const pending = login.result.pendingOffline;
  return { client, pending };
}

/** One sender: LANES requests in flight until the connection dies. */
async function runSender(port: number, name: string, ledger: Ledger, random: () => number): Promise<void> {
  const client = await connectRaced(port);
  if (!client) return;
  const dead = closed(client);
  const login = await Promise.race([client.request('login', { username: name, password: 'pw' }), dead]);
  if (login === 'closed') return;
  if (!login.ok) throw new Error(`login failed: ${login.error.code}`);
  const lane = async () => {
    for (;;) {
      const to = RECEIVERS[Math.floor(random() * RECEIVERS.length)] as string;
      const seq = ledger.takeSeq(name, to);
      const reply: Reply<'message'> | 'closed' = await Promise.race([
        client.request('message', { to, text: `${name}:${to}:${seq}` }),
        dead,
      ]);
      if (reply === 'closed') return;
      if (!reply.ok) throw new Error(`send failed: ${reply.error.code}`);
      ledger.acknowledged.set(reply.result.message.id, { from: name, to, seq });
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

describe('durability across SIGKILL', () => {
  it(`loses no acknowledged message and redelivers none after ack, over ${CYCLES} kills`, async () => {
    const seed = Date.now() % 1_000_000;
    const random = prng(seed);
    const users = Object.fromEntries([...SENDERS, ...RECEIVERS].map((name) => [name, 'pw']));
    const credentials = writeCredentials(dir, users);
    const db = join(dir, 'durability.db');
    const args = ['0', '60', '0', '--db', db, '--credentials', credentials, '--kdf-cost', '1024'];
    args.push('--rate-limit', '0');
    const ledger = new Ledger();
    const start = async (): Promise<SpawnedServer> => spawnServer(args);

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const server = await start();
      const receivers = RECEIVERS.map(async (name, i) => {
        // The second receiver logs in late, so some messages are stored for it while offline.
        if (i > 0) await sleep(random() * 300);
        return runReceiver(server.port, name, ledger, random, false);
      });
      const senders = SENDERS.map((name) => runSender(server.port, name, ledger, random));
      await sleep(300 + random() * 900);
      const before = ledger.acknowledged.size;
      await server.stop('SIGKILL');
      await Promise.all(senders);
      for (const session of await Promise.all(receivers)) session?.client.close();
      expect(ledger.acknowledged.size, `seed ${seed}: cycle ${cycle} sent nothing`).toBeGreaterThan(0);
      expect(before).toBeGreaterThan(0);
    }

    // Final run: each receiver collects its backlog and acks all of it; then nothing is left.
    const server = await start();
    try {
      for (const name of RECEIVERS) {
        const session = await runReceiver(server.port, name, ledger, random, true);
        if (!session) throw new Error('final login failed');
        const { client, pending } = session;
        await expect
          .poll(() => client.eventsOf('message').length, { timeout: 10_000 })
          .toBeGreaterThanOrEqual(pending);
        const lastId = client.eventsOf('message').at(-1)?.message.id ?? 0;
        await expect.poll(() => ledger.confirmedAck.get(name) ?? 0).toBeGreaterThanOrEqual(lastId);
        await client.call('logout', {});
        client.close();
      }
      for (const name of RECEIVERS) {
        const check = await RawClient.open(server.port);
        const login = await check.call('login', { username: name, password: 'pw' });
        expect(login.pendingOffline, `${name} has messages left after acking everything`).toBe(0);
        check.close();
      }
    } finally {
      await server.stop('SIGTERM');
    }

    const lost = [...ledger.acknowledged.entries()].filter(
      ([id, sent]) => !(ledger.seen.get(sent.to) as Set<number>).has(id),
    );
    expect(
      lost.map(([id, s]) => `${id} ${s.from}>${s.to}#${s.seq}`),
      `seed ${seed}: lost`,
    ).toEqual([]);
    expect(ledger.violations, `seed ${seed}`).toEqual([]);
    expect(ledger.acknowledged.size).toBeGreaterThan(100);
  });
});
