/**
 * Gateway processes (`--gateways N`): the core holds no client sockets; gateways accept them and
 * relay bytes. The whole server suite also runs in this mode (`npm run test:gateways`); these tests
 * cover what only exists with gateways: the processes themselves, and a gateway dying.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startGateways, type GatewaySocket } from '../../server/gateway-link.js';
import { hasOpenssl, makePki } from '../helpers/pki.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture();
const { track } = fixture;

/** Live child processes of this test process running server/gateway.ts. */
function gatewayPids(): number[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there is no child
  }
  return out
    .split('\n')
    .filter((line) => line.includes('gateway.ts'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe('gateways', () => {
  it('relays sessions through several gateway processes and stops them with the server', async () => {
    const before = gatewayPids().length;
    fixture.server = await startTestServer({ gateways: 3 });
    expect(gatewayPids().length - before).toBe(3);
    // One after the other (so each sees the next log in); the gateways take turns holding them.
    const users: RawClient[] = [];
    for (const [name, password] of Object.entries({ yoda: 'wise', hans: 'falcon', luke: 'skywalker' })) {
      users.push(track(await RawClient.login(fixture.server.port, name, password)));
    }
    const [yoda, hans, luke] = users as [RawClient, RawClient, RawClient];
    await yoda.waitFor((e) => e.type === 'presence' && e.user === 'luke');
    await yoda.call('message', { to: 'hans', text: 'through the gateways' });
    const got = await hans.waitFor((e) => e.type === 'message');
    expect(got).toMatchObject({ message: { from: 'yoda', text: 'through the gateways' } });
    expect(await luke.call('broadcast', { text: 'all' })).toMatchObject({ delivered: 2 });
    const port = fixture.server.port;
    await fixture.server.close();
    fixture.server = undefined;
    // The port is free again: the core stopped listening.
    const probe = createServer();
    await new Promise<void>((resolve, reject) =>
      probe.once('error', reject).listen(port, '127.0.0.1', resolve),
    );
    await new Promise((resolve) => probe.close(resolve));
    await yoda.waitClosed();
    expect(yoda.eventsOf('logged_out').map((e) => e.reason)).toEqual(['shutdown']);
    await expect.poll(() => gatewayPids().length, { timeout: 5000 }).toBe(before);
  });

  it('logs out the users of a gateway that dies, replaces it; the others go on, and see them go', async () => {
    const users = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`user${i}`, `pw${i}`]));
    fixture.server = await startTestServer({ gateways: 2, users });
    const before = gatewayPids();
    const entries = Object.entries(users);
    const all = await Promise.all(
      entries.map(([name, pw]) => RawClient.login(fixture.server.port, name, pw)),
    );
    all.forEach(track);
    const nameOf = new Map(all.map((client, i) => [client, entries[i]![0]]));
    process.kill(before[0]!, 'SIGKILL');
    // A new gateway takes the dead one's place.
    await expect
      .poll(() => gatewayPids(), { timeout: 10_000 })
      .toSatisfy((pids: number[]) => pids.length === before.length && !pids.includes(before[0]!));
    // Give the closes of the dead gateway's connections time to land.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const alive = all.filter((client) => !client.closed);
    // Connections are handed to the gateway with the fewest: each held half.
    expect(alive).toHaveLength(4);
    const names = (clients: RawClient[]) => clients.map((c) => nameOf.get(c)!).sort();
    for (const client of alive) {
      const others = alive.filter((c) => c !== client);
      expect((await client.call('whoelse', {})).users.sort()).toEqual(names(others));
    }
    // The survivors still talk to each other through the remaining gateway.
    {
      await alive[0]!.call('message', { to: nameOf.get(alive[1]!)!, text: 'still here' });
      await alive[1]!.waitFor((e) => e.type === 'message' && e.message.text === 'still here');
    }
    // A user who was dropped logs in again.
    const dropped = all.find((client) => client.closed)!;
    const name = nameOf.get(dropped)!;
    track(await RawClient.login(fixture.server.port, name, users[name]!));
  });

  it.skipIf(!hasOpenssl())(
    'forgets a TLS connection whose handshake fails, so the gateways go on filling evenly',
    async () => {
      const pki = makePki();
      onTestFinished(() => rmSync(pki.dir, { recursive: true, force: true }));
      const listener = createServer({ pauseOnConnect: true });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      // Not awaited: the listener counts the connections it handed over until they close.
      onTestFinished(() => void listener.close());
      const { port } = listener.address() as AddressInfo;
      const opened: GatewaySocket[] = [];
      const tls = { cert: readFileSync(pki.cert, 'utf8'), key: readFileSync(pki.key, 'utf8') };
      const gateways = await startGateways(
        2,
        listener,
        { t: 'setup', maxOutputBytes: 1024 * 1024, tls: { ...tls, handshakeTimeoutMs: 5000 } },
        (socket) => opened.push(socket),
      );
      onTestFinished(() => gateways.stop());

      // Plaintext clients: each handshake fails in the gateway that took the connection.
      for (let i = 0; i < 5; i++) {
        const plain = connect(port, '127.0.0.1');
        plain.on('error', () => {});
        plain.end('{"type":"hello","id":1,"version":1}\n');
        await new Promise((resolve) => plain.once('close', resolve));
      }
      await expect.poll(() => gateways.loads()).toEqual([0, 0]);
      expect(opened).toEqual([]);

      // TLS clients now spread one per gateway, as if the failures had never happened.
      for (let i = 0; i < 2; i++) {
        const client = connectTls({ port, host: '127.0.0.1', ca: pki.caPem });
        client.on('error', () => {});
        onTestFinished(() => void client.destroy());
        await new Promise((resolve) => client.once('secureConnect', resolve));
      }
      await expect.poll(() => opened.length).toBe(2);
      expect(gateways.loads()).toEqual([1, 1]);
    },
  );
});
