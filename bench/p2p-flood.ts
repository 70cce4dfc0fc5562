/**
 * `npx tsx bench/p2p-flood.ts [connections] [attempts]`: how an introduced peer fares while a
 * stranger floods the private-chat listener (docs/security.md "Private chats (P2P, end to end)").
 *
 * A child process keeps `connections` idle TCP connections to a P2PNode's listener and reopens
 * each one the moment the listener closes it. Meanwhile an introduced peer connects `attempts`
 * times, sends one text and waits for the listener to echo it. The script prints one JSON line: how
 * many attempts got their echo, the median and 95th percentile connect-to-echo times (ms), and the
 * new connections the stranger opened in each second.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/main/core/p2p-crypto.js';
import { P2PNode, type Introduction } from '../src/main/core/p2p.js';
import { percentile, round, sleep } from './lib/stats.js';

const STRANGER_FLAG = '--stranger';
const ECHO_WAIT_MS = 2_000;

/** The child's side: hold `count` connections to `port`, renewing each as soon as it closes. */
function runStranger(port: number, count: number): void {
  let opened = 0;
  const open = (): void => {
    opened += 1;
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    socket.on('close', () => setImmediate(open));
  };
  for (let i = 0; i < count; i += 1) open();
  setInterval(() => process.send?.(opened), 1_000);
}

function positiveInt(text: string | undefined, fallback: number): number {
  const value = Number(text ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`not a count: ${text}`);
  return value;
}

/** Bob's listener echoes every text; alice is the introduced peer. */
async function makePair() {
  const bob = { node: new P2PNode(), keys: generateKeyPair() };
  const alice = { node: new P2PNode(), keys: generateKeyPair() };
  bob.node.setIdentity({ username: 'bob', keys: bob.keys });
  alice.node.setIdentity({ username: 'alice', keys: alice.keys });
  const port = await bob.node.start();
  bob.node.onLink((link) => link.onText((text) => link.send(text)));
  return { bob, alice, port };
}

type Pair = Awaited<ReturnType<typeof makePair>>;

/** One introduced connect and echo; its time in ms, or undefined when it failed. */
async function attempt({ bob, alice, port }: Pair): Promise<number | undefined> {
  const credential = randomBytes(32).toString('base64url');
  const expiresAt = Date.now() + 60_000;
  bob.node.addOffer({ from: 'alice', credential, publicKey: alice.keys.publicKey, expiresAt });
  const intro: Introduction = {
    user: 'bob',
    host: '127.0.0.1',
    port,
    credential,
    publicKey: bob.keys.publicKey,
    expiresAt,
  };
  const started = performance.now();
  try {
    const link = await alice.node.connect(intro);
    const echoed = new Promise<boolean>((resolve) => link.onText(() => resolve(true)));
    link.send('ping');
    const ok = await Promise.race([echoed, sleep(ECHO_WAIT_MS).then(() => false)]);
    link.destroy();
    return ok ? performance.now() - started : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const connections = positiveInt(process.argv[2], 40);
  const attempts = positiveInt(process.argv[3], 100);
  const pair = await makePair();
  const perSecond: number[] = [];
  let lastOpened = 0;
  const stranger =
    connections > 0
      ? fork(fileURLToPath(import.meta.url), [STRANGER_FLAG, String(pair.port), String(connections)])
      : undefined;
  stranger?.on('message', (opened) => {
    perSecond.push(Number(opened) - lastOpened);
    lastOpened = Number(opened);
  });
  if (stranger) await sleep(2_000);
  const times: number[] = [];
  for (let i = 0; i < attempts; i += 1) {
    const ms = await attempt(pair);
    if (ms !== undefined) times.push(ms);
    await sleep(20);
  }
  stranger?.kill();
  await Promise.all([pair.alice.node.stop(), pair.bob.node.stop()]);
  times.sort((a, b) => a - b);
  const summary = {
    connections,
    attempts,
    echoed: times.length,
    medianMs: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    strangerConnectionsPerSecond: perSecond,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (process.argv[2] === STRANGER_FLAG) {
  runStranger(positiveInt(process.argv[3], 0), positiveInt(process.argv[4], 0));
} else {
  await main();
}
