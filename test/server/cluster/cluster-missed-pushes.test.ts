/**
 * Stored messages whose live push never happened reach a recipient who stays online, without a new
 * login, and in the order their sender sent them:
 * - a node stored a message and died before pushing it; the sender's retry (same clientId) is
 *   answered as a duplicate, and pushes it;
 * - Redis lost its data while the recipient's node was cut off from it, so sends meanwhile found the
 *   recipient offline; the node catches its users up once it is back in the directory, and holds
 *   newer live messages until then.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/app.js';
import { openPostgresStore } from '../../../server/store/postgres/postgres-store.js';
import { PROTOCOL_VERSION } from '../../../src/shared/limits.js';
import { RawClient } from '../../helpers/raw-client.js';
import { Relay } from '../../helpers/relay.js';
import { makeTempDir, TEST_KDF_COST, writeCredentials } from '../../helpers/server.js';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

const texts = (client: RawClient) => client.eventsOf('message').map((event) => event.message.text);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a stored message whose push was missed', () => {
  it('is pushed when its sender retries it, once, and not again after the recipient acked it', async () => {
    const cluster = await fixture.start();
    const hans = await login(0, 'hans', 'falcon');
    // What a node that died between the insert and the push leaves behind.
    const store = await openPostgresStore(cluster.storeUrl);
    const stored = await store.messages
      .insertDirect({
        from: 'yoda',
        to: 'hans',
        text: 'stored, never pushed',
        sentAt: 1,
        clientId: 'retry-0001',
      })
      .finally(() => store.close());
    if (!('message' in stored)) throw new Error(`insert refused: ${stored.refused}`);

    const yoda = await login(1, 'yoda', 'wise');
    const retry = () =>
      yoda.call('message', { to: 'hans', text: 'stored, never pushed', clientId: 'retry-0001' });
    expect((await retry()).message.id).toBe(stored.message.id);
    const pushed = await hans.waitFor((event) => event.type === 'message');
    expect(pushed).toEqual({ type: 'message', message: stored.message, offline: false });

    // Retried again before hans acked: he has it on this connection already.
    expect((await retry()).online).toBe(true);
    await hans.call('whoelse', {});
    await sleep(200);
    expect(texts(hans)).toEqual(['stored, never pushed']);

    // Retried after the ack: delivered already, so nothing is pushed.
    await hans.call('ack', { upTo: stored.message.id });
    await retry();
    await yoda.call('message', { to: 'hans', text: 'next' });
    await hans.waitFor(() => texts(hans).includes('next'));
    expect(texts(hans)).toEqual(['stored, never pushed', 'next']);
  });

  it("reaches a recipient whose node was cut off while Redis lost its data, in each sender's order", async () => {
    const { services } = fixture;
    const dir = makeTempDir('messenger-missed-pushes-');
    const storeUrl = await services.postgres.freshDatabase();
    const relay = new Relay(() => services.redis.port);
    await relay.start();
    const senders = ['yoda', 'luke', 'leia'];
    const base = {
      port: 0,
      storeUrl,
      busPrefix: `missed-${process.pid}:`,
      blockDurationSeconds: 60,
      timeoutSeconds: 600,
      kdfCost: TEST_KDF_COST,
      rateLimit: 0,
      credentialsFile: writeCredentials(dir, Object.fromEntries(['hans', ...senders].map((n) => [n, 'pw']))),
    };
    const nodes: RunningServer[] = [];
    const clients: RawClient[] = [];
    const connect = async (node: RunningServer, username: string) => {
      const client = await RawClient.connect(node.port);
      clients.push(client);
      await client.call('hello', { version: PROTOCOL_VERSION, client: 'cluster-test' });
      await client.call('login', { username, password: 'pw' });
      return client;
    };
    try {
      // hans's node reaches Redis through the relay; the senders' node directly.
      nodes.push(await startServer({ ...base, busUrl: `redis://127.0.0.1:${relay.port}` }));
      nodes.push(await startServer({ ...base, busUrl: services.redis.url }));
      const [hansNode, sendersNode] = nodes as [RunningServer, RunningServer];
      const hans = await connect(hansNode, 'hans');
      const sent = new Map<string, string[]>(senders.map((name) => [name, []]));
      const clientsOf = await Promise.all(senders.map((name) => connect(sendersNode, name)));
      let sending = true;
      // Each sender sends one message after another until told to stop.
      const sendAll = senders.map(async (name, i) => {
        const client = clientsOf[i] as RawClient;
        for (let n = 1; sending; n++) {
          const text = `${name} ${n}`;
          await client.call('message', { to: 'hans', text });
          sent.get(name)?.push(text);
        }
      });
      await sleep(200);
      relay.cut();
      await services.redis.restart();
      // Redis forgot hans: what is sent now is stored, with nobody online to push it to.
      await sleep(300);
      relay.restore();
      // Sent while hans's node comes back: pushed live once it is in the directory again, which
      // must not overtake those above.
      await sleep(1500);
      sending = false;
      await Promise.all(sendAll);
      const total = [...sent.values()].reduce((sum, list) => sum + list.length, 0);
      await hans.waitFor(() => new Set(texts(hans)).size >= total, 15_000);
      const ids = hans.eventsOf('message').map((event) => event.message.id);
      expect(new Set(ids).size, 'each message once').toBe(ids.length);
      for (const name of senders) {
        expect(texts(hans).filter((text) => text.startsWith(`${name} `))).toEqual(sent.get(name));
      }
    } finally {
      for (const client of clients) client.close();
      await Promise.all(nodes.map((node) => node.close()));
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
