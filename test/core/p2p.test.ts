import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair, type KeyPair } from '../../src/main/core/p2p-crypto.js';
import { P2PNode, type Introduction } from '../../src/main/core/p2p.js';
import type { PeerLink } from '../../src/main/core/peer-link.js';
import { encodeFrame } from '../../src/shared/codec.js';
import { idleStranger } from '../helpers/idle-stranger.js';
import { until } from './support.js';

const nodes: P2PNode[] = [];

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

async function makeNode(username: string): Promise<{ node: P2PNode; keys: KeyPair; port: number }> {
  const node = new P2PNode({ handshakeTimeoutMs: 1_000 });
  nodes.push(node);
  const keys = generateKeyPair();
  node.setIdentity({ username, keys });
  return { node, keys, port: await node.start() };
}

function credential(): string {
  return randomBytes(32).toString('base64url');
}

function nextLink(node: P2PNode): Promise<PeerLink> {
  return new Promise((resolve) => {
    const off = node.onLink((link) => {
      off();
      resolve(link);
    });
  });
}

function nextText(link: PeerLink): Promise<string> {
  return new Promise((resolve) => link.onText(resolve));
}

/** Alice connects with her introduction; returns both ends once one text went each way. */
async function connectAndTalk(alice: P2PNode, bob: P2PNode, intro: Introduction) {
  const incoming = nextLink(bob);
  const aliceLink = await alice.connect(intro);
  const bobLink = await incoming;
  const atBob = nextText(bobLink);
  aliceLink.send('hi, bob');
  expect(await atBob).toBe('hi, bob');
  const atAlice = nextText(aliceLink);
  bobLink.send('hi, alice');
  expect(await atAlice).toBe('hi, alice');
  return { aliceLink, bobLink };
}

/**
 * Bob's listener is told (by the "server") that alice may connect with `cred`: at once, or, with
 * `offerLater`, only when the caller calls it (the offer overtaken by alice's hello).
 */
async function introduce(expiresInMs = 60_000, { offerLater = false } = {}) {
  const alice = await makeNode('alice');
  const bob = await makeNode('bob');
  const cred = credential();
  const offer = (): void =>
    bob.node.addOffer({
      from: 'alice',
      credential: cred,
      publicKey: alice.keys.publicKey,
      expiresAt: Date.now() + expiresInMs,
    });
  if (!offerLater) offer();
  const intro: Introduction = {
    user: 'bob',
    host: '127.0.0.1',
    port: bob.port,
    credential: cred,
    publicKey: bob.keys.publicKey,
    expiresAt: Date.now() + expiresInMs,
  };
  return { alice, bob, intro, offer };
}

describe('P2P listener and links', () => {
  it('connects with the issued credential and carries encrypted texts both ways', async () => {
    const { alice, bob, intro } = await introduce();
    const { aliceLink, bobLink } = await connectAndTalk(alice.node, bob.node, intro);
    expect(bobLink.peer).toBe('alice');
    const ended = new Promise((resolve) => bobLink.onEnd(resolve));
    aliceLink.stop();
    expect(await ended).toBe('peer');
  });

  it('accepts a hello that arrives before the server offer of its credential', async () => {
    const { alice, bob, intro, offer } = await introduce(60_000, { offerLater: true });
    const incoming = nextLink(bob.node);
    const connecting = alice.node.connect(intro);
    await new Promise((resolve) => setTimeout(resolve, 100));
    offer();
    await connecting;
    expect((await incoming).peer).toBe('alice');
  });

  it('refuses a hello whose offer never comes, before the initiator gives up', async () => {
    const { alice, intro } = await introduce(60_000, { offerLater: true });
    await expect(alice.node.connect(intro)).rejects.toMatchObject({
      code: 'peer_unreachable',
      message: expect.not.stringMatching(/time/i),
    });
  });

  it('refuses a stranger with a wrong credential', async () => {
    const { alice, intro } = await introduce();
    await expect(alice.node.connect({ ...intro, credential: credential() })).rejects.toMatchObject({
      code: 'peer_unreachable',
    });
  });

  it('refuses a credential issued for another user', async () => {
    const { intro } = await introduce();
    const carol = await makeNode('carol');
    await expect(carol.node.connect(intro)).rejects.toMatchObject({ code: 'peer_unreachable' });
  });

  it('refuses an expired credential', async () => {
    const { alice, intro } = await introduce(-1);
    await expect(alice.node.connect(intro)).rejects.toMatchObject({ code: 'peer_unreachable' });
  });

  it('refuses a reused credential', async () => {
    const { alice, bob, intro } = await introduce();
    const incoming = nextLink(bob.node);
    await alice.node.connect(intro);
    await incoming;
    await expect(alice.node.connect(intro)).rejects.toMatchObject({ code: 'peer_unreachable' });
  });

  it('refuses a hello whose key is not the one the server vouched for', async () => {
    const { alice, bob, intro } = await introduce();
    alice.node.setIdentity({ username: 'alice', keys: generateKeyPair() });
    await expect(alice.node.connect(intro)).rejects.toMatchObject({ code: 'peer_unreachable' });
    expect(bob.node.offers.size).toBe(0);
  });

  it('the connecting side refuses a listener that does not prove the vouched key', async () => {
    const { alice, intro } = await introduce();
    await expect(
      alice.node.connect({ ...intro, publicKey: generateKeyPair().publicKey }),
    ).rejects.toMatchObject({
      code: 'peer_unreachable',
    });
  });

  it('an introduced peer gets through while a stranger keeps more idle connections open than there are handshake slots', async () => {
    const { alice, bob, intro } = await introduce();
    const stranger = idleStranger(bob.port, 40);
    try {
      // All 40 reached the listener and 8 were closed for want of a slot: every slot holds a stranger.
      await until(() => stranger.stats.closed >= 8);
      const { bobLink } = await connectAndTalk(alice.node, bob.node, intro);
      expect(bobLink.peer).toBe('alice');
    } finally {
      stranger.stop();
    }
  });

  it('a hello waiting for its offer keeps its slot while idle strangers churn through the others', async () => {
    const { alice, bob, intro, offer } = await introduce(60_000, { offerLater: true });
    const incoming = nextLink(bob.node);
    const connecting = alice.node.connect(intro);
    // The strangers come once bob has read the hello (a fixed pause was too short on a loaded machine).
    await until(() => bob.node.hellosWaiting === 1);
    const stranger = idleStranger(bob.port, 40);
    try {
      // Far more than MAX_HANDSHAKES connections arrived after the hello and were evicted.
      await until(() => stranger.stats.closed >= 100);
      offer();
      await connecting;
      expect((await incoming).peer).toBe('alice');
    } finally {
      stranger.stop();
    }
  });

  it('closes a connection that sends no hello within a second, well before the 5 s handshake timeout', async () => {
    const node = new P2PNode();
    nodes.push(node);
    node.setIdentity({ username: 'bob', keys: generateKeyPair() });
    const socket = net.connect({ host: '127.0.0.1', port: await node.start() });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.on('connect', resolve));
    const opened = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    expect(Date.now() - opened).toBeLessThan(3_000);
  });

  it('closes a raw connection that sends garbage or plaintext private frames', async () => {
    const { bob } = await introduce();
    for (const payload of ['not json\n', encodeFrame({ type: 'private', text: 'hello' })]) {
      const socket = net.connect({ host: '127.0.0.1', port: bob.port });
      socket.on('error', () => undefined);
      socket.write(payload);
      await new Promise((resolve) => socket.on('close', resolve));
    }
  });
});
