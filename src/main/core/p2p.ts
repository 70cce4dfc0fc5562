/**
 * The peer-to-peer side of the core: a listener on an ephemeral loopback port that accepts only
 * connections presenting a credential from a p2p_offer the server pushed for exactly that user, and
 * outgoing connections to peers the server introduced. Both handshakes check that the peer's key is
 * the one the server vouched for and end in an encrypted PeerLink.
 */
import net from 'node:net';
import type { PeerFrame, RequestResult } from '../../shared/protocol.js';
import { Listeners } from './emitter.js';
import { CoreError } from './errors.js';
import { FramedSocket } from './framed-socket.js';
import { SealedChannel, type KeyPair } from './p2p-crypto.js';
import { OfferBook, type Offer } from './p2p-offers.js';
import { PeerLink } from './peer-link.js';
import { openTcp } from './tcp.js';

export type Introduction = RequestResult<'startprivate'>;

export interface Identity {
  username: string;
  keys: KeyPair;
}

export interface P2PNodeOptions {
  /** Address to listen on; 127.0.0.1 unless the shell says otherwise. */
  host?: string;
  handshakeTimeoutMs?: number;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
/**
 * How soon after connecting an incoming peer must send its hello. The initiator sends it the moment
 * its connection opens, so only an idle stranger needs longer; this keeps such a stranger's slot short.
 */
const HELLO_DEADLINE_MS = 1_000;
/** How long a hello may wait for the server's offer of its credential (OfferBook.whenKnown). */
const OFFER_GRACE_MS = 2_000;
/** Incoming connections that have not finished their handshake; a newcomer evicts one (see evict). */
const MAX_HANDSHAKES = 32;

/** Where an incoming handshake is: no hello yet, or a hello waiting for its credential's offer. */
type HandshakeStage = 'silent' | 'hello';

/** Waits for the first frame on a framed socket, then pauses it so later frames queue up. */
function firstFrame(framed: FramedSocket, timeoutMs: number): Promise<PeerFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      framed.destroy();
      reject(new CoreError('peer_unreachable', 'private-chat handshake timed out'));
    }, timeoutMs);
    const stopWatching = framed.onClose(() => {
      clearTimeout(timer);
      reject(new CoreError('peer_unreachable', 'the peer closed the connection during the handshake'));
    });
    framed.setHandler((frame) => {
      clearTimeout(timer);
      stopWatching();
      framed.setHandler(undefined);
      resolve(frame);
    });
  });
}

export class P2PNode {
  readonly offers = new OfferBook();
  private readonly host: string;
  private readonly handshakeTimeoutMs: number;
  private readonly links = new Listeners<PeerLink>();
  /** Incoming connections still in their handshake, oldest first (a Map keeps insertion order). */
  private readonly handshaking = new Map<FramedSocket, HandshakeStage>();
  /** Every connection this node has open (handshaking or linked), so `stop` can close them all. */
  private readonly sockets = new Set<FramedSocket>();
  private server: net.Server | undefined;
  private identity: Identity | undefined;

  constructor(options: P2PNodeOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  }

  /** Incoming handshakes whose hello has arrived and that wait for their offer (tests, diagnostics). */
  get hellosWaiting(): number {
    let count = 0;
    for (const stage of this.handshaking.values()) if (stage === 'hello') count++;
    return count;
  }

  /** Starts listening (once) and returns the port. */
  async start(): Promise<number> {
    if (!this.server) {
      const server = net.createServer((socket) => this.onIncoming(socket));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, this.host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
    }
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('P2P listener has no port');
    return address.port;
  }

  /** Who this node is; connections are refused while it is unset (logged out). */
  setIdentity(identity: Identity | undefined): void {
    this.identity = identity;
    if (!identity) this.offers.clear();
  }

  addOffer(offer: Offer): void {
    this.offers.add(offer);
  }

  /** Established incoming links. */
  onLink(listener: (link: PeerLink) => void): () => void {
    return this.links.on(listener);
  }

  /** Connects to a peer the server introduced and completes the encrypted handshake. */
  async connect(intro: Introduction): Promise<PeerLink> {
    const identity = this.requireIdentity();
    if (!intro.publicKey) throw new CoreError('peer_unreachable', `${intro.user} has no encryption key`);
    const socket = await openTcp(intro.host, intro.port, this.handshakeTimeoutMs, 'peer_unreachable');
    const framed = this.track(socket);
    framed.send({
      type: 'p2p_hello',
      from: identity.username,
      credential: intro.credential,
      publicKey: identity.keys.publicKey,
    });
    const frame = await firstFrame(framed, this.handshakeTimeoutMs);
    if (frame.type !== 'p2p_welcome' || frame.publicKey !== intro.publicKey) {
      framed.destroy();
      throw new CoreError('peer_unreachable', `${intro.user} did not prove the key the server vouched for`);
    }
    const channel = this.channel(identity, intro.user, intro.publicKey, intro.credential);
    return new PeerLink(intro.user, framed, channel);
  }

  async stop(): Promise<void> {
    for (const framed of this.sockets) framed.destroy();
    this.sockets.clear();
    this.handshaking.clear();
    this.links.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(socket: net.Socket): FramedSocket {
    const framed = new FramedSocket(socket);
    this.sockets.add(framed);
    framed.onClose(() => this.sockets.delete(framed));
    return framed;
  }

  private requireIdentity(): Identity {
    if (!this.identity) throw new CoreError('not_logged_in', 'log in first');
    return this.identity;
  }

  private channel(identity: Identity, peer: string, peerKey: string, credential: string): SealedChannel {
    return new SealedChannel({
      me: identity.username,
      peer,
      myKeys: identity.keys,
      peerPublicKey: peerKey,
      credential,
    });
  }

  private onIncoming(socket: net.Socket): void {
    if (!this.identity) {
      socket.destroy();
      return;
    }
    if (this.handshaking.size >= MAX_HANDSHAKES) this.evictOldestHandshake();
    const framed = this.track(socket);
    this.handshaking.set(framed, 'silent');
    this.accept(framed)
      .then((link) => this.links.emit(link))
      .catch(() => framed.destroy())
      .finally(() => this.handshaking.delete(framed));
  }

  /**
   * Makes room for a newcomer by closing the oldest handshake that has sent nothing yet, or, when
   * every slot holds a hello, the oldest hello. Refusing newcomers instead let a stranger who kept
   * every slot busy lock out introduced peers. An introduced peer sends its hello the moment it
   * connects, so idle strangers, however fast they reconnect, evict each other and not it; and its
   * hello loses its slot only if MAX_HANDSHAKES newer hellos arrive before its offer does.
   */
  private evictOldestHandshake(): void {
    let victim: FramedSocket | undefined;
    for (const [framed, stage] of this.handshaking) {
      victim ??= framed;
      if (stage === 'silent') {
        victim = framed;
        break;
      }
    }
    if (!victim) return;
    this.handshaking.delete(victim);
    victim.destroy();
  }

  private async accept(framed: FramedSocket): Promise<PeerLink> {
    const frame = await firstFrame(framed, Math.min(HELLO_DEADLINE_MS, this.handshakeTimeoutMs));
    const identity = this.requireIdentity();
    if (frame.type !== 'p2p_hello') throw new CoreError('peer_unreachable', 'expected p2p_hello');
    // Still ours unless evicted meanwhile (set() on a deleted key would add it back).
    if (this.handshaking.has(framed)) this.handshaking.set(framed, 'hello');
    await this.offerFor(framed, frame.credential);
    const offer = this.offers.take(frame.from, frame.credential);
    if (!offer?.publicKey || frame.publicKey !== offer.publicKey) {
      throw new CoreError('peer_unreachable', 'credential or key refused');
    }
    const channel = this.channel(identity, offer.from, offer.publicKey, offer.credential);
    framed.send({ type: 'p2p_welcome', publicKey: identity.keys.publicKey });
    return new PeerLink(offer.from, framed, channel);
  }

  /**
   * Waits (briefly) for the offer of a hello's credential; stops waiting, and throws, if the
   * connection closes meanwhile (evicted, or the peer gave up), so the credential is not spent on it.
   */
  private async offerFor(framed: FramedSocket, credential: string): Promise<void> {
    const closed = new AbortController();
    const stopWatching = framed.onClose(() => closed.abort());
    // Half the handshake time at most, so the initiator still gets its answer before it gives up.
    const waitMs = Math.min(OFFER_GRACE_MS, this.handshakeTimeoutMs / 2);
    await this.offers.whenKnown(credential, waitMs, closed.signal);
    stopWatching();
    if (!framed.isOpen) {
      throw new CoreError('peer_unreachable', 'the peer closed the connection during the handshake');
    }
  }
}
