/**
 * The Redis bus against a real redis-server (test/helpers/redis.ts): the conformance suite, then
 * what only a networked bus has to survive: Redis restarting empty, a node cut off long enough to
 * be taken for dead, Redis stopped (SIGSTOP) with commands in flight, and bad input of every kind.
 * A node that must be cut off alone reaches Redis through a TCP relay (test/helpers/relay.ts).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusUnavailableError, NODE_LOSS_MS } from '../../../server/bus/bus.js';
import { createRedisBus, type RedisBus, type RedisBusOptions } from '../../../server/bus/redis-bus.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { Relay } from '../../helpers/relay.js';
import {
  describeBusConformance,
  entryFor,
  messageFrame,
  RecordingListener,
  startCluster,
  type MakeCluster,
} from './bus-conformance.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const warnings: string[] = [];
const onWarning = (message: string) => void warnings.push(message);

/** Nodes of one cluster share a fresh key prefix, so clusters on the one Redis never meet. */
function makeRedisCluster(urls: (index: number) => string = () => redis.url): MakeCluster {
  return async (size) => {
    const keyPrefix = `test-${randomUUID().slice(0, 8)}:`;
    const nodes: RedisBus[] = Array.from({ length: size }, (_, i) =>
      createRedisBus(urls(i), { nodeId: `node${i}`, keyPrefix, onWarning }),
    );
    return {
      nodes,
      crash: (index) => nodes[index]?.crashForTests(),
      close: async () => {
        await Promise.all(nodes.map((node) => node.close()));
      },
    };
  };
}

describeBusConformance('RedisBus', makeRedisCluster());

describe('RedisBus when Redis fails', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    redis.resume();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Node 0 reaches Redis through a relay that the test can cut; the others connect directly. */
  async function clusterWithRelay(size: number) {
    const relay = new Relay(() => redis.port);
    await relay.start();
    cleanups.push(() => relay.close());
    const cluster = await startCluster(
      makeRedisCluster((i) => (i === 0 ? `redis://127.0.0.1:${relay.port}` : redis.url)),
      size,
    );
    cleanups.push(() => cluster.close());
    return { ...cluster, relay };
  }

  it('after Redis restarts empty, nodes claim their users again by themselves; a name taken meanwhile is evicted', async () => {
    const { nodes, listeners, relay } = await clusterWithRelay(3);
    const [a, b, c] = nodes as [RedisBus, RedisBus, RedisBus];
    await a.claim(entryFor('alice'));
    await a.claim(entryFor('anna'));
    await b.claim(entryFor('bob'));

    relay.cut(); // a stays away until c has taken alice
    await redis.restart();
    await expect
      .poll(async () => (await c.lookup('bob').catch(() => undefined))?.node, { timeout: 5000 })
      .toBe(b.nodeId);
    expect(await c.lookup('alice')).toBeUndefined();
    expect(await c.claim(entryFor('alice'))).toBe(true);
    relay.restore();

    await expect.poll(() => listeners[0]?.evicted, { timeout: 5000 }).toEqual([['alice']]);
    expect((await c.lookup('anna'))?.node).toBe(a.nodeId);
    expect((await c.lookup('alice'))?.node).toBe(c.nodeId);
    // Pub/sub is back on both connections: frames reach a and b, events reach everyone.
    expect(await c.deliver('anna', messageFrame('carol', 'anna', 1))).toBe(true);
    expect(await a.deliver('bob', messageFrame('anna', 'bob', 2))).toBe(true);
    await b.presence({ user: 'bob', online: true, at: 3, blocked: [] });
    await expect
      .poll(() => listeners.map((l) => [l.delivered.length, l.events.length]))
      .toEqual([
        [1, 1],
        [1, 1],
        [0, 1],
      ]);
    expect(listeners.flatMap((l) => l.lost)).toEqual([]);
    // Frames published while Redis was gone are lost: every node is told to catch up. Each node held
    // its users' live messages from the moment its link broke until that catch-up.
    await expect.poll(() => listeners.every((l) => l.resyncs > 0), { timeout: 5000 }).toBe(true);
    for (const listener of listeners) {
      expect(listener.holdsAndResyncs[0]).toBe('hold');
      expect(listener.holdsAndResyncs.at(-1)).toBe('resync');
    }
  });

  it('a node cut off past its heartbeat is taken for dead; when it is back it evicts all its users', async () => {
    const { nodes, listeners, relay } = await clusterWithRelay(2);
    const [a, b] = nodes as [RedisBus, RedisBus];
    await a.claim(entryFor('alice'));
    await a.claim(entryFor('anna'));
    relay.cut();
    const cutAt = Date.now();

    const started = Date.now();
    await expect(a.claim(entryFor('amy'))).rejects.toBeInstanceOf(BusUnavailableError);
    await expect(a.deliver('alice', messageFrame('x', 'alice', 1))).rejects.toBeInstanceOf(
      BusUnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(200);

    await expect.poll(() => listeners[1]?.lost.length, { timeout: NODE_LOSS_MS, interval: 50 }).toBe(1);
    expect((listeners[1]?.lost[0]?.at ?? Infinity) - cutAt).toBeLessThanOrEqual(NODE_LOSS_MS);
    expect(listeners[1]?.lost[0]?.entries.map((e) => e.username).sort()).toEqual(['alice', 'anna']);
    expect(await b.claim(entryFor('alice'))).toBe(true);

    relay.restore();
    await expect
      .poll(() => listeners[0]?.evicted.map((names) => [...names].sort()), { timeout: 5000 })
      .toEqual([['alice', 'anna']]);
    expect((await b.lookup('alice'))?.node).toBe(b.nodeId);
    expect(await b.lookup('anna')).toBeUndefined();
    expect(await a.claim(entryFor('anna'))).toBe(true);
    expect(listeners[0]?.lost).toEqual([]);
  });

  it('while Redis is stopped, calls reject with BusUnavailableError within the command timeout, and work again after', async () => {
    const { nodes } = await clusterWithRelay(2);
    const [a, b] = nodes as [RedisBus, RedisBus];
    await b.claim(entryFor('bob'));
    redis.pause();
    const started = Date.now();
    const calls = [
      a.claim(entryFor('zed')),
      a.lookup('bob'),
      b.deliver('bob', messageFrame('a', 'bob', 1)),
      b.presence({ user: 'bob', online: false, at: 1, blocked: [] }),
      a.online(),
    ];
    const outcomes = await Promise.allSettled(calls);
    const elapsed = Date.now() - started;
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(BusUnavailableError);
    }
    expect(elapsed).toBeLessThan(1000 + 500); // the default commandTimeoutMs, and some margin
    await new Promise((resolve) => setTimeout(resolve, 500));
    redis.resume();

    await expect
      .poll(() => a.claim(entryFor('yara')).catch(() => 'unavailable'), { timeout: 5000 })
      .toBe(true);
    expect((await a.lookup('bob'))?.node).toBe(b.nodeId);
    // The timed-out claim of zed did run once Redis woke up; a releases the entry it never got.
    await expect.poll(() => b.claim(entryFor('zed')), { timeout: 5000 }).toBe(true);
  });

  it('Redis back from a snapshot after its nodes expired: a node that returns first does not take the others for dead', async () => {
    const keyPrefix = `test-${randomUUID().slice(0, 8)}:`;
    const relay = new Relay(() => redis.port);
    await relay.start();
    cleanups.push(() => relay.close());
    const urls = [redis.url, `redis://127.0.0.1:${relay.port}`];
    const nodes = urls.map((url, i) => createRedisBus(url, { nodeId: `node${i}`, keyPrefix, onWarning }));
    cleanups.push(() => Promise.all(nodes.map((node) => node.close())));
    const listeners = nodes.map(() => new RecordingListener());
    await Promise.all(nodes.map((node, i) => node.start(listeners[i] as RecordingListener)));
    const [a, b] = nodes as [RedisBus, RedisBus];
    await a.claim(entryFor('alice'));
    await b.claim(entryFor('bob'));

    // What a snapshot would bring back: everything but the alive keys, which expired meanwhile.
    const raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    cleanups.push(async () => raw.disconnect());
    await raw.connect();
    const snapshot = {
      online: await raw.hgetall(`${keyPrefix}online`),
      nodes: await raw.smembers(`${keyPrefix}nodes`),
      bUsers: await raw.smembers(`${keyPrefix}node:node1:users`),
    };
    relay.cut(); // b comes back later than a
    await redis.restart();
    await raw.connect().catch(() => undefined);
    await expect.poll(() => raw.ping().catch(() => 'down'), { timeout: 5000 }).toBe('PONG');
    await raw.hset(`${keyPrefix}online`, snapshot.online);
    await raw.sadd(`${keyPrefix}nodes`, ...snapshot.nodes);
    await raw.sadd(`${keyPrefix}node:node1:users`, ...snapshot.bUsers);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a sweeps meanwhile, if it does
    relay.restore();

    await expect
      .poll(async () => (await a.lookup('bob').catch(() => undefined))?.node, { timeout: 5000 })
      .toBe(b.nodeId);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(listeners.flatMap((l) => [...l.lost, ...l.evicted])).toEqual([]);
    expect((await b.online()).map((e) => e.username).sort()).toEqual(['alice', 'bob']);
  });

  it('bounds the commands waiting on a stopped Redis: the excess rejects at once', async () => {
    const { nodes } = await clusterWithRelay(1);
    const [a] = nodes as [RedisBus];
    redis.pause();
    const calls = Array.from({ length: 10_050 }, (_, i) =>
      a.lookup(`user${i}`).catch((error: Error) => error),
    );
    const early = await Promise.race([
      Promise.all(calls.slice(-50)),
      new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 200)),
    ]);
    expect(early).not.toBe('late');
    for (const error of early as Error[]) expect(error.message).toMatch(/commands already waiting/);
    const all = await Promise.all(calls);
    expect(all.every((e) => e instanceof BusUnavailableError)).toBe(true);
    redis.resume();
  });
});

describe('RedisBus input checks', () => {
  it('refuses bad URLs and options with a clear message', () => {
    expect(() => createRedisBus('http://127.0.0.1:6379')).toThrow(/redis:\/\//);
    expect(() => createRedisBus('not a url')).toThrow(/redis:\/\/HOST:PORT/);
    const bad: RedisBusOptions[] = [
      { nodeId: 'has space' },
      { nodeId: 'x'.repeat(65) },
      { keyPrefix: 'a{b}' },
      { heartbeatMs: 5000 },
      { heartbeatMs: 0.5 },
      { commandTimeoutMs: 10 },
    ];
    for (const options of bad) expect(() => createRedisBus(redis.url, options)).toThrow(/invalid|must be/);
  });

  it('start() against a port where nothing listens rejects with BusUnavailableError', async () => {
    const port = redis.port === 1 ? 2 : 1; // privileged and unused on test machines
    const bus = createRedisBus(`redis://127.0.0.1:${port}`, { onWarning });
    const started = Date.now();
    await expect(bus.start(new RecordingListener())).rejects.toThrow(BusUnavailableError);
    expect(Date.now() - started).toBeLessThan(4000);
    await bus.close();
  });

  it('refuses a malformed entry, and survives corrupt data and messages in Redis', async () => {
    const own: string[] = [];
    const keyPrefix = `test-${randomUUID().slice(0, 8)}:`;
    const bus = createRedisBus(redis.url, { nodeId: 'n1', keyPrefix, onWarning: (m) => void own.push(m) });
    const listener = new RecordingListener();
    await bus.start(listener);
    const raw = new Redis(redis.url);
    try {
      await expect(bus.claim({ username: 'bad name', address: '127.0.0.1' })).rejects.toThrow(/invalid/);
      await expect(bus.claim({ ...entryFor('ok'), p2pPort: 70_000 })).rejects.toThrow(/invalid/);

      await raw.hset(`${keyPrefix}online`, 'mallory', 'not json', 'trudy', '{"username":"trudy"}');
      expect(await bus.lookup('mallory')).toBeUndefined();
      expect(await bus.online()).toEqual([]);
      expect(await bus.claim(entryFor('mallory'))).toBe(true); // garbage is held by no node
      expect(await bus.deliver('trudy', messageFrame('a', 'trudy', 1))).toBe(false);

      await raw.publish(`${keyPrefix}events`, '{"kind":"presence","event":{"user":"x"}}');
      await raw.publish(`${keyPrefix}events`, 'not json');
      await raw.publish(`${keyPrefix}deliver:n1`, JSON.stringify({ to: 'mallory', frame: { type: 'nope' } }));
      await raw.publish(`${keyPrefix}deliver:n1`, 'x'.repeat(1024 * 1024 + 1));
      await bus.presence({ user: 'mallory', online: true, at: 1, blocked: [] });
      await expect.poll(() => listener.events.length).toBe(1);
      expect(listener.delivered).toEqual([]);
      expect(own.filter((m) => m.includes('dropped'))).toHaveLength(7);
      await expect(
        bus.broadcast({
          line: 'x'.repeat(100),
          from: 'mallory',
          excluded: Array(100_000).fill('someone-long'),
        }),
      ).rejects.toThrow(/exceeds/);
    } finally {
      raw.disconnect();
      await bus.close();
    }
  });
});
