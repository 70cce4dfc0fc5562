/**
 * The Bus conformance suite (server/bus/bus.ts): one set of tests that every adapter passes
 * unchanged. local-bus.test.ts and redis-bus.test.ts run it; the factory makes N nodes sharing one
 * backend (a LocalHub, or one Redis under a fresh key prefix).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  NODE_LOSS_MS,
  type BroadcastEvent,
  type Bus,
  type BusListener,
  type DirectoryEntry,
  type PresenceEvent,
} from '../../../server/bus/bus.js';
import type { ServerFrame } from '../../../src/shared/protocol.js';

export interface BusCluster {
  readonly nodes: readonly Bus[];
  /** Node `index` dies: it stops heartbeating without close() (the adapters' crashForTests). */
  crash(index: number): void;
  /** Closes every node (a crashed one too) and whatever the cluster started. */
  close(): Promise<void>;
}

export type MakeCluster = (size: number) => Promise<BusCluster>;

type Event = { kind: 'broadcast'; event: BroadcastEvent } | { kind: 'presence'; event: PresenceEvent };

/** Records everything a node's bus tells it. */
export class RecordingListener implements BusListener {
  readonly delivered: { to: string; frame: ServerFrame }[] = [];
  readonly events: Event[] = [];
  readonly lost: { at: number; entries: readonly DirectoryEntry[] }[] = [];
  readonly evicted: (readonly string[])[] = [];
  resyncs = 0;
  /** holdLive and resync calls, in order. */
  readonly holdsAndResyncs: ('hold' | 'resync')[] = [];

  deliver(to: string, frame: ServerFrame): void {
    this.delivered.push({ to, frame });
  }
  broadcast(event: BroadcastEvent): void {
    this.events.push({ kind: 'broadcast', event });
  }
  presence(event: PresenceEvent): void {
    this.events.push({ kind: 'presence', event });
  }
  usersLost(entries: readonly DirectoryEntry[]): void {
    this.lost.push({ at: Date.now(), entries });
  }
  usersEvicted(usernames: readonly string[]): void {
    this.evicted.push(usernames);
  }
  holdLive(): void {
    this.holdsAndResyncs.push('hold');
  }
  resync(): void {
    this.resyncs++;
    this.holdsAndResyncs.push('resync');
  }
}

export interface StartedCluster extends BusCluster {
  readonly listeners: readonly RecordingListener[];
}

/** Makes a cluster of `size` nodes and starts each with a RecordingListener. */
export async function startCluster(makeCluster: MakeCluster, size: number): Promise<StartedCluster> {
  const cluster = await makeCluster(size);
  const listeners = cluster.nodes.map(() => new RecordingListener());
  try {
    await Promise.all(cluster.nodes.map((node, i) => node.start(listeners[i] as RecordingListener)));
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return {
    ...cluster,
    nodes: cluster.nodes,
    crash: (i) => cluster.crash(i),
    close: () => cluster.close(),
    listeners,
  };
}

export const entryFor = (username: string) => ({
  username,
  address: '127.0.0.1',
  p2pPort: 40_000,
  publicKey: `${'A'.repeat(43)}=`,
});

export const messageFrame = (from: string, to: string, id: number): ServerFrame => ({
  type: 'message',
  message: { id, from, to, text: `hello ${id}`, sentAt: 1_700_000_000_000 + id },
  offline: false,
});

const presenceEvent = (user: string, at: number): PresenceEvent => ({ user, online: true, at, blocked: [] });
const broadcastEvent = (from: string, n: number): BroadcastEvent => ({
  line: `{"type":"broadcast","n":${n}}\n`,
  from,
  excluded: n % 2 === 0 ? [] : ['blocker'],
});

/** Lets in-flight messages land, so a test can check that something did not arrive. */
const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeBusConformance(name: string, makeCluster: MakeCluster): void {
  describe(`Bus conformance: ${name}`, () => {
    const clusters: StartedCluster[] = [];
    const cluster = async (size: number) => {
      const started = await startCluster(makeCluster, size);
      clusters.push(started);
      return started;
    };
    afterEach(async () => {
      await Promise.all(clusters.splice(0).map((c) => c.close()));
    });

    it('claim, lookup, online and release agree across nodes', async () => {
      const { nodes } = await cluster(2);
      const [a, b] = nodes as [Bus, Bus];
      expect(a.nodeId).not.toBe(b.nodeId);
      expect(await a.claim(entryFor('alice'))).toBe(true);
      const expected = { ...entryFor('alice'), node: a.nodeId };
      expect(await b.lookup('alice')).toEqual(expected);
      expect(await a.lookup('alice')).toEqual(expected);
      expect(await b.online()).toEqual([expected]);
      expect(await b.claim(entryFor('alice'))).toBe(false);
      expect(await a.claim(entryFor('alice'))).toBe(false);

      await b.release('alice'); // b does not hold it: a no-op
      expect(await a.lookup('alice')).toEqual(expected);
      await a.release('alice');
      expect(await b.lookup('alice')).toBeUndefined();
      expect(await a.online()).toEqual([]);
      expect(await b.claim({ username: 'alice', address: '10.0.0.2' })).toBe(true);
      expect(await a.lookup('alice')).toEqual({ username: 'alice', address: '10.0.0.2', node: b.nodeId });
    });

    it('of two nodes racing to claim a name, exactly one wins (100 races)', async () => {
      const { nodes } = await cluster(2);
      const [a, b] = nodes as [Bus, Bus];
      for (let i = 0; i < 100; i++) {
        const name = `racer${i}`;
        const [wonA, wonB] = await Promise.all([a.claim(entryFor(name)), b.claim(entryFor(name))]);
        expect(Number(wonA) + Number(wonB)).toBe(1);
        expect((await a.lookup(name))?.node).toBe(wonA ? a.nodeId : b.nodeId);
      }
      expect((await b.online()).length).toBe(100);
    });

    it('of two claims of one name on the same node, exactly one wins', async () => {
      const { nodes } = await cluster(1);
      const [a] = nodes as [Bus];
      for (let i = 0; i < 20; i++) {
        const results = await Promise.all([a.claim(entryFor(`twin${i}`)), a.claim(entryFor(`twin${i}`))]);
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    });

    it('deliver reaches only the node holding the user, in order, and is false for offline users', async () => {
      const { nodes, listeners } = await cluster(3);
      const [a, b, c] = nodes as [Bus, Bus, Bus];
      const [toA, toB, toC] = listeners as [RecordingListener, RecordingListener, RecordingListener];
      await a.claim(entryFor('alice'));
      await b.claim(entryFor('bob'));
      const frames = Array.from({ length: 50 }, (_, i) => messageFrame('bob', 'alice', i + 1));
      const sent = await Promise.all(frames.map((frame) => b.deliver('alice', frame)));
      expect(sent.every(Boolean)).toBe(true);
      expect(await c.deliver('bob', messageFrame('carol', 'bob', 99))).toBe(true);

      await expect.poll(() => toA.delivered.length).toBe(50);
      expect(toA.delivered).toEqual(frames.map((frame) => ({ to: 'alice', frame })));
      await expect.poll(() => toB.delivered.length).toBe(1);
      expect(toB.delivered[0]?.to).toBe('bob');

      expect(await a.deliver('nobody', messageFrame('alice', 'nobody', 1))).toBe(false);
      await a.release('alice');
      expect(await b.deliver('alice', messageFrame('bob', 'alice', 100))).toBe(false);
      await settle();
      expect(toA.delivered).toHaveLength(50);
      expect(toB.delivered).toHaveLength(1);
      expect(toC.delivered).toHaveLength(0);
    });

    it('deliver carries every kind of live frame unchanged: a typing notice between messages keeps its place', async () => {
      const { nodes, listeners } = await cluster(2);
      const [a, b] = nodes as [Bus, Bus];
      const toA = listeners[0] as RecordingListener;
      await a.claim(entryFor('alice'));
      const typing: ServerFrame = { type: 'typing', from: 'bob', typing: true, ttlMs: 6000 };
      const frames = [messageFrame('bob', 'alice', 1), typing, messageFrame('bob', 'alice', 2)];
      for (const frame of frames) expect(await b.deliver('alice', frame)).toBe(true);
      await expect.poll(() => toA.delivered.length).toBe(3);
      expect(toA.delivered).toEqual(frames.map((frame) => ({ to: 'alice', frame })));
    });

    it('broadcast and presence reach every node, the publisher too, in publish order per publisher', async () => {
      const { nodes, listeners } = await cluster(3);
      const [a, b] = nodes as [Bus, Bus, Bus];
      const fromA: Event[] = [];
      const fromB: Event[] = [];
      const publishes: Promise<void>[] = [];
      for (let i = 0; i < 40; i++) {
        const [publisher, log, user] = i % 3 === 0 ? [b, fromB, 'bob'] : [a, fromA, 'alice'];
        if (i % 2 === 0) {
          const event = presenceEvent(user, i);
          log.push({ kind: 'presence', event });
          publishes.push(publisher.presence(event));
        } else {
          const event = broadcastEvent(user, i);
          log.push({ kind: 'broadcast', event });
          publishes.push(publisher.broadcast(event));
        }
      }
      await Promise.all(publishes);
      for (const listener of listeners) {
        await expect.poll(() => listener.events.length).toBe(40);
        const by = (user: string) =>
          listener.events.filter((e) => (e.kind === 'presence' ? e.event.user : e.event.from) === user);
        expect(by('alice')).toEqual(fromA);
        expect(by('bob')).toEqual(fromB);
      }
    });

    it(`a node that dies has its users taken out, and usersLost called on one survivor, within ${NODE_LOSS_MS} ms`, async () => {
      const { nodes, listeners, crash } = await cluster(3);
      const [a, b, c] = nodes as [Bus, Bus, Bus];
      await c.claim(entryFor('carol'));
      await c.claim(entryFor('dave'));
      await a.claim(entryFor('alice'));
      const diedAt = Date.now();
      crash(2);

      await expect
        .poll(() => listeners.reduce((n, l) => n + l.lost.length, 0), { timeout: NODE_LOSS_MS, interval: 50 })
        .toBe(1);
      const report = listeners.flatMap((l) => l.lost)[0];
      expect(report?.at ?? Infinity).toBeLessThanOrEqual(diedAt + NODE_LOSS_MS);
      expect(listeners[2]?.lost).toEqual([]);
      expect([...(report?.entries ?? [])].sort((x, y) => x.username.localeCompare(y.username))).toEqual([
        { ...entryFor('carol'), node: c.nodeId },
        { ...entryFor('dave'), node: c.nodeId },
      ]);
      expect(await a.lookup('carol')).toBeUndefined();
      expect((await b.online()).map((e) => e.username)).toEqual(['alice']);
      expect(await b.claim(entryFor('carol'))).toBe(true);
      expect(await a.deliver('carol', messageFrame('alice', 'carol', 1))).toBe(true);
      await expect.poll(() => listeners[1]?.delivered.length).toBe(1);

      // One survivor only, and only once: wait past another round of sweeps.
      await settle(1500);
      expect(listeners.reduce((n, l) => n + l.lost.length, 0)).toBe(1);
      expect((await a.lookup('carol'))?.node).toBe(b.nodeId);
    });

    it('close() takes the node users out, and is safe to call twice', async () => {
      const { nodes } = await cluster(2);
      const [a, b] = nodes as [Bus, Bus];
      await a.claim(entryFor('erin'));
      await a.claim(entryFor('frank'));
      await b.claim(entryFor('grace'));
      await a.close();
      await a.close();
      expect(await b.lookup('erin')).toBeUndefined();
      expect((await b.online()).map((e) => e.username)).toEqual(['grace']);
      expect(await b.claim(entryFor('erin'))).toBe(true);
      expect(await b.deliver('frank', messageFrame('grace', 'frank', 1))).toBe(false);
    });
  });
}
