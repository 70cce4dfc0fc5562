/**
 * One Session per TCP connection: framing, limits, timers and writes. It decodes and validates
 * frames, applies the hello/login gate and the rate limit, runs each request's handler (the table
 * in server/handlers, which sees the session only through the Connection port) one at a time, in
 * order, and writes the replies. A session's problems never reach another session: every failure
 * becomes an error frame, or closes this one socket.
 */
import { BoundedIdSet } from '../src/shared/bounded-id-set.js';
import { FILE_CHUNKS_PER_SECOND, REACTION_BURST, REACTION_PER_SECOND } from '../src/shared/limits.js';
import { FrameDecoder, FrameTooLargeError, encodeFrame } from '../src/shared/codec.js';
import type {
  DirectMessage,
  RequestFrame,
  RequestType,
  ServerEvent,
  ServerFrame,
} from '../src/shared/protocol.js';
import { parseRequestFrame } from '../src/shared/validate.js';
import { BusUnavailableError } from './bus/bus.js';
import type { ServerContext } from './context.js';
import { RequestError } from './errors.js';
import { handlers, type Connection } from './handlers/index.js';
import { Allowance, MAX_FRAME_NESTING, TokenBucket, nestingExceeds } from './limits.js';
import { normaliseAddress } from './p2p.js';
import { PacedWriter } from './paced-writer.js';
import type { OnlineUser } from './presence.js';
import { TypingAllowance } from './typing.js';
import { StoreUnavailableError } from './store/store.js';

/**
 * Output backpressure. A connection's queued output is everything the server holds for it on its
 * way to the client (PacedWriter.queued). Above min(OUTPUT_HIGH_WATER, cap / 4) its requests wait
 * and the offline backlog pauses until the socket drains, so a client that reads is slowed down,
 * never cut off; past the cap (fan-out to a client that stopped reading) or after
 * slowReaderTimeoutSeconds without reading anything, the connection is dropped.
 */
const OUTPUT_HIGH_WATER = 1024 * 1024;
/** The offline backlog is read from the store this many messages at a time, while output is low. */
const BACKLOG_BATCH = 500;
/**
 * Ids of messages written to the connection and not acknowledged yet, at most this many: past it the
 * oldest are forgotten, and stay undelivered until a later login delivers them again.
 */
const MAX_UNACKED_TRACKED = 100_000;
/**
 * Acknowledged ids remembered per connection. A store read that began before an ack committed (the
 * backlog stream after a bus resync, a sender's retry) may push a message again just after its
 * ack was confirmed: those pushes are of recent ids, and are dropped.
 */
const MAX_ACKED_REMEMBERED = 1024;
/** Live messages held back while the backlog streams, at most this many (the rest wait for a login). */
const MAX_HELD_LIVE = 10_000;
/**
 * Message changes written to the connection and not acknowledged yet, at most this many: past it the
 * oldest are forgotten, and stay pending in the store until a later login sends them again.
 */
const MAX_UNACKED_CHANGES = 10_000;

type Change = ServerEvent<'message_update'>;

/** How long a closing connection may take to flush and close before it is destroyed. */
const END_GRACE_MS = 5000;

/** Requests that take from the chunk rate (chunkBucket) instead of the request rate. */
const FILE_CHUNK_REQUESTS: ReadonlySet<RequestType> = new Set(['upload_chunk', 'download_chunk']);

/** What the client is told when the store or the bus cannot be reached. */
const UNAVAILABLE_MESSAGE =
  'the server cannot reach its database, its file bucket or its peers right now; try again in a moment';

type State = 'greeting' | 'anonymous' | 'authenticated' | 'closed';

/**
 * What a Session needs of its connection: a net.Socket (or tls.TLSSocket), or a GatewaySocket when
 * a gateway process holds the real one (server/gateway-link.ts).
 */
export interface ClientSocket {
  readonly remoteAddress?: string | undefined;
  readonly destroyed: boolean;
  readonly writable: boolean;
  /** Bytes written and not yet sent (a GatewaySocket: not yet read by the client, or on their way). */
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  setNoDelay(noDelay?: boolean): unknown;
  /** Bytes, not strings: writableLength then counts bytes (a string counts UTF-16 units). */
  write(data: Uint8Array): boolean;
  /** Holds writes until uncork, which sends them together (net.Socket's cork). */
  cork(): void;
  uncork(): void;
  end(): unknown;
  end(data: string): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * The offline backlog of a session while it streams (or is about to): see Session.backlog. It
 * streams the undelivered messages, then (changesCursor set) the pending changes of messages
 * delivered before.
 */
interface Backlog {
  /** The id the message stream has read up to. */
  cursor: number;
  /** Live messages held back meanwhile, so one sender's messages arrive in order. */
  held: DirectMessage[];
  /** Live message changes held back meanwhile: a change must not overtake its held message. */
  heldChanges: Change[];
  /** Undefined while messages stream; then the id the change stream has read up to. */
  changesCursor: number | undefined;
  streaming: boolean;
}

function newBacklog(): Backlog {
  return { cursor: 0, held: [], heldChanges: [], changesCursor: undefined, streaming: false };
}

export class Session implements OnlineUser, Connection {
  private state: State = 'greeting';
  private name: string | undefined;
  private readonly decoder = new FrameDecoder();
  private queue: string[] = [];
  /** Index of the next frame to handle in `queue`. */
  private queueHead = 0;
  /** True while a request is being handled: the next waits for it (requests run in order). */
  private busy = false;
  /** Output on its way to the client, fed to the socket piece by piece. */
  private readonly writer: PacedWriter;
  /** Queued output above which requests wait (and the backlog pauses). */
  private readonly highWater: number;
  /** True while requests wait for output to drain (the socket is paused meanwhile). */
  private holdingRequests = false;
  /** While requests are held: checks that the client still reads (slowReaderTimeoutSeconds). */
  private stallTimer: NodeJS.Timeout | undefined;
  /** writer.sent at the last stall check. */
  private sentAtStallCheck = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Armed while a connection that has not logged in holds an unfinished frame (slowloris). */
  private partialFrameTimer: NodeJS.Timeout | undefined;
  private readonly bucket: TokenBucket | undefined;
  /** Made at the first typing notice: most connections (bots, the terminal client) never send one. */
  private typingAllowance: TypingAllowance | undefined;
  private reactionAllowance: Allowance | undefined;
  /** Made at the first file chunk (see chunkBucket). */
  private chunks: TokenBucket | undefined;
  /** The highest direct-message id written to this connection. */
  private lastMessageId = 0;
  /** Ids of direct messages written to this connection and not acknowledged yet, in write order. */
  private unacked: number[] = [];
  /** Made at the first ack (an idle connection never needs it); see MAX_ACKED_REMEMBERED. */
  private acked: BoundedIdSet | undefined;
  /**
   * While the offline backlog streams (or is about to: after the directory claim, or while the bus
   * may be dropping frames, see holdLive): the id it has read up to, and the live messages held
   * back meanwhile (so one sender's messages arrive in order). Undefined when nothing is held.
   */
  private backlog: Backlog | undefined;
  /** Message changes written to this connection and not acknowledged yet, in write order. */
  private unackedChanges: { id: number; revision: number }[] = [];
  /**
   * Between the directory claim and the login reply: the frames that arrive for the new user wait
   * here, so the reply comes first (direct messages wait for the backlog instead).
   */
  private beforeLoginReply: (string | Buffer)[] | undefined;
  /** Work to do once the reply to the current request has been queued (logout, close). */
  private afterReplyTasks: (() => void)[] = [];
  p2pPort: number | undefined;
  publicKey: string | undefined;
  watchesPresence = true;
  readonly remoteAddress: string;

  constructor(
    private readonly socket: ClientSocket,
    private readonly ctx: ServerContext,
    private readonly onClosed: (session: Session) => void,
  ) {
    this.remoteAddress = normaliseAddress(socket.remoteAddress);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.ctx.logger.debug({ err: error }, 'socket error'));
    socket.on('close', () => this.onSocketClosed());
    this.writer = new PacedWriter(socket);
    socket.on('drain', () => {
      this.writer.feed();
      this.releaseIfDrained();
    });
    const { rateLimit, rateBurst, preLoginTimeoutSeconds, maxOutputBytes } = ctx.limits;
    this.highWater = Math.min(OUTPUT_HIGH_WATER, maxOutputBytes / 4);
    if (rateLimit > 0) this.bucket = new TokenBucket(rateLimit, rateBurst);
    this.armIdleTimer(preLoginTimeoutSeconds);
  }

  get username(): string {
    return this.user;
  }

  get user(): string {
    if (this.name === undefined) throw new Error('session is not logged in');
    return this.name;
  }

  get authenticated(): boolean {
    return this.state === 'authenticated';
  }

  get closed(): boolean {
    return this.state === 'closed' || this.socket.destroyed;
  }

  send(frame: ServerFrame): void {
    this.sendTracked(frame, undefined);
  }

  /** As send(), with the frame encoded already (a group's fan-out encodes it once). */
  sendTracked(frame: ServerFrame, line: Buffer | undefined): void {
    if (this.state === 'closed') return;
    if (frame.type === 'message' && !this.mayDeliverNow(frame.message)) return;
    if (frame.type === 'message_update' && !this.mayDeliverChangeNow(frame)) return;
    this.writeOrHold(line ?? encodeFrame(frame));
  }

  /**
   * An already encoded frame (fan-out: presence, broadcast); never a direct message. The fan-out
   * passes every recipient the same Buffer, so that writes to one gateway travel as one command.
   */
  sendEncoded(line: Buffer): void {
    if (this.state === 'closed') return;
    this.writeOrHold(line);
  }

  /** Frames pushed before the login reply is written wait for it (writeReply sends them after). */
  private writeOrHold(line: string | Buffer): void {
    if (this.beforeLoginReply) {
      if (this.beforeLoginReply.length < MAX_HELD_LIVE) this.beforeLoginReply.push(line);
      return;
    }
    this.write(line);
  }

  /**
   * A live direct message: true when it may be written now (its id is remembered for the next ack).
   * While the backlog streams it is held back, or dropped when the stream has it already: per
   * recipient, ids commit in id order (server/store/store.ts), so a message at or below the cursor
   * was committed, and read, before the cursor passed it.
   */
  private mayDeliverNow(message: DirectMessage): boolean {
    const backlog = this.backlog;
    if (backlog) {
      // Past the cap the message is not lost: it stays undelivered and comes with the next login.
      if (message.id > backlog.cursor && backlog.held.length < MAX_HELD_LIVE) backlog.held.push(message);
      return false;
    }
    if (this.alreadyWritten(message.id)) return false;
    this.trackUnacked(message.id);
    return true;
  }

  /**
   * A live message change: held back while the backlog streams (the message itself may be held
   * too, and must arrive first); otherwise remembered for the next ack and written. Clients keep
   * the newest state whatever order changes arrive in (docs/protocol.md), so the changes the
   * backlog reads from the store and these may interleave.
   */
  private mayDeliverChangeNow(change: Change): boolean {
    const backlog = this.backlog;
    if (backlog) {
      // Past the cap the change is not lost: it stays pending and comes with the next login.
      if (backlog.heldChanges.length < MAX_HELD_LIVE) backlog.heldChanges.push(change);
      return false;
    }
    this.trackUnackedChange(change);
    return true;
  }

  private trackUnackedChange({ message, revision }: Change): void {
    this.unackedChanges.push({ id: message.id, revision });
    if (this.unackedChanges.length > MAX_UNACKED_CHANGES)
      this.unackedChanges.splice(0, this.unackedChanges.length - MAX_UNACKED_CHANGES);
  }

  takeDeliveredChanges(upTo: number): { id: number; revision: number }[] {
    const taken = this.unackedChanges.filter(({ id }) => id <= upTo);
    if (taken.length > 0) this.unackedChanges = this.unackedChanges.filter(({ id }) => id > upTo);
    return taken;
  }

  /**
   * True for a message written to this connection already, not acknowledged yet or acknowledged
   * recently: a live frame the backlog streamed already (with several nodes the bus may bring it
   * after the stream read it), or a second push after a sender's retry or a resync. Ids above the
   * last one written are new: the common case costs one comparison.
   */
  private alreadyWritten(id: number): boolean {
    return id <= this.lastMessageId && (this.unacked.includes(id) || this.acked?.has(id) === true);
  }

  private trackUnacked(id: number): void {
    this.lastMessageId = Math.max(this.lastMessageId, id);
    this.unacked.push(id);
    if (this.unacked.length > MAX_UNACKED_TRACKED)
      this.unacked.splice(0, this.unacked.length - MAX_UNACKED_TRACKED);
  }

  takeTypingAllowance(): number {
    this.typingAllowance ??= new TypingAllowance();
    return this.typingAllowance.take();
  }

  /**
   * File chunks have a rate of their own (FILE_CHUNKS_PER_SECOND), so a transfer neither counts
   * against the person's requests nor is slowed to their rate; a flood of them is cut off the same
   * way. No rate limit (`--rate-limit 0`) means none for chunks either.
   */
  private chunkBucket(): TokenBucket | undefined {
    if (this.bucket === undefined) return undefined;
    this.chunks ??= new TokenBucket(FILE_CHUNKS_PER_SECOND, FILE_CHUNKS_PER_SECOND);
    return this.chunks;
  }

  takeReactionAllowance(): number {
    this.reactionAllowance ??= new Allowance(REACTION_PER_SECOND, REACTION_BURST);
    return this.reactionAllowance.take();
  }

  takeDelivered(upTo: number): number[] {
    const taken = this.unacked.filter((id) => id <= upTo);
    if (taken.length > 0) {
      this.unacked = this.unacked.filter((id) => id > upTo);
      this.acked ??= new BoundedIdSet(MAX_ACKED_REMEMBERED);
      for (const id of taken) this.acked.add(id);
    }
    return taken;
  }

  private write(data: string | Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.writer.write(data);
    this.checkOutput();
  }

  /**
   * After output was queued: drops the connection when it is over the cap, holds its requests when
   * it is over the high-water mark. False when the connection was dropped.
   */
  private checkOutput(): boolean {
    const queued = this.writer.queued;
    if (queued > this.ctx.limits.maxOutputBytes) {
      this.dropSlowReader('client does not read its frames; disconnecting it');
      return false;
    }
    if (queued > this.highWater && !this.holdingRequests) this.holdRequests();
    return true;
  }

  /** Requests wait (the socket is paused) until the output drains; see releaseIfDrained. */
  private holdRequests(): void {
    this.holdingRequests = true;
    this.socket.pause();
    const seconds = this.ctx.limits.slowReaderTimeoutSeconds;
    if (seconds <= 0 || this.stallTimer !== undefined) return;
    this.sentAtStallCheck = this.writer.sent;
    this.stallTimer = setInterval(this.checkStall, seconds * 1000);
    this.stallTimer.unref();
  }

  /**
   * Called when output may have gone down (socket drain): once the socket needs no drain, requests
   * flow again.
   */
  private releaseIfDrained(): void {
    if (!this.holdingRequests || this.socket.writableNeedDrain) return;
    if (this.writer.queued > this.highWater / 2) return;
    this.holdingRequests = false;
    this.clearStallTimer();
    this.resumeReading();
    this.drain();
  }

  /** Every slowReaderTimeoutSeconds while requests are held: the client must have read something. */
  private readonly checkStall = (): void => {
    // Decided after this turn's I/O: a loop that was busy runs timers before the 'drain' events and
    // gateway reports that arrived meanwhile.
    setImmediate(() => {
      if (!this.holdingRequests || this.socket.destroyed) return;
      const sent = this.writer.sent;
      if (sent === this.sentAtStallCheck && this.writer.queued > 0) {
        this.dropSlowReader('client has read nothing while its output is backed up; disconnecting it');
      }
      this.sentAtStallCheck = sent;
    });
  };

  private clearStallTimer(): void {
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** Drops the connection and what was queued for it; its direct messages wait for its next login. */
  private dropSlowReader(why: string): void {
    this.ctx.logger.warn({ user: this.name, address: this.remoteAddress, queued: this.writer.queued }, why);
    this.writer.clear();
    this.clearStallTimer();
    this.socket.destroy();
  }

  /**
   * Streams what is undelivered and was not written here: direct messages the bus dropped while it
   * was down. From the start of the backlog, not from the last id written: a message sent while the
   * recipient was missing from the bus's directory was never pushed, and later messages may have
   * been pushed live before this catch-up ran.
   */
  catchUp(): void {
    // A login in progress streams its own backlog once its reply is out.
    if (this.state !== 'authenticated' || this.beforeLoginReply || this.backlog?.streaming) return;
    this.startBacklog();
  }

  /**
   * Until the next catchUp, live direct messages wait (as during a backlog stream): the bus may drop
   * some meanwhile, and those come from the store first, so ids from one sender stay in order.
   */
  holdLive(): void {
    if (this.state !== 'authenticated') return;
    this.backlog ??= newBacklog();
  }

  startBacklog(): void {
    const user = this.name;
    if (user === undefined || this.backlog?.streaming) return;
    this.backlog ??= newBacklog();
    this.backlog.streaming = true;
    void this.pumpBacklog(user).catch((error: unknown) => {
      this.backlog = undefined;
      // Not delivered now: the messages stay undelivered and come with the next login.
      this.ctx.logger.warn({ err: error, user }, 'offline backlog interrupted');
    });
  }

  /** Streams the user's undelivered messages in id order, pausing while output is backed up. */
  private async pumpBacklog(user: string): Promise<void> {
    while (this.backlog && this.name === user && this.state === 'authenticated' && !this.socket.destroyed) {
      if (this.writer.queued > this.highWater) {
        await this.outputDrained();
        continue;
      }
      if (this.backlog.changesCursor === undefined) {
        const batch = await this.ctx.messages.pendingAfter(user, this.backlog.cursor, BACKLOG_BATCH);
        if (!this.backlog || this.name !== user) return;
        if (batch.length === 0) this.backlog.changesCursor = 0;
        else this.writeBacklogBatch(batch);
      } else {
        const changes = await this.ctx.messages.changesAfter(user, this.backlog.changesCursor, BACKLOG_BATCH);
        if (!this.backlog || this.name !== user) return;
        if (changes.length === 0) {
          this.endBacklog();
          return;
        }
        this.writeChangesBatch(changes);
      }
    }
  }

  /**
   * After the messages: changes to messages the user already had, made while it was away (or
   * whose push it never acknowledged). Written in one piece per batch, like writeBacklogBatch's.
   */
  private writeChangesBatch(changes: readonly { message: DirectMessage; revision: number }[]): void {
    const backlog = this.backlog;
    if (!backlog) return;
    let data = '';
    for (const { message, revision } of changes) {
      const change: Change = { type: 'message_update', message, revision };
      data += encodeFrame(change);
      this.trackUnackedChange(change);
      backlog.changesCursor = message.id;
    }
    this.write(data);
  }

  /**
   * Writes the batch in pieces of about highWater/2 characters, and stops once output is above the
   * high-water mark: the cursor then stands at the last message written, and the rest of the batch
   * is read again when the socket has drained. So a backlog never meets the slow-reader cap.
   */
  private writeBacklogBatch(batch: DirectMessage[]): void {
    const backlog = this.backlog;
    if (!backlog) return;
    let data = '';
    for (const message of batch) {
      if (!this.alreadyWritten(message.id)) {
        data += encodeFrame({ type: 'message', message, offline: true });
        this.trackUnacked(message.id);
      }
      if (data.length < this.highWater / 2 && message !== batch.at(-1)) continue;
      if (data.length > 0) this.write(data);
      data = '';
      backlog.cursor = message.id;
      if (this.writer.queued > this.highWater) break;
    }
    backlog.held = backlog.held.filter((message) => message.id > backlog.cursor);
  }

  /**
   * The stream found nothing more: live messages held back and not streamed (committed after its
   * last read began) go out now, in id order.
   */
  private endBacklog(): void {
    const held = this.backlog?.held ?? [];
    const heldChanges = this.backlog?.heldChanges ?? [];
    this.backlog = undefined;
    for (const message of held.sort((a, b) => a.id - b.id))
      this.send({ type: 'message', message, offline: false });
    for (const change of heldChanges) this.send(change);
  }

  /** Resolves once the socket has room again (or the connection ended). */
  private outputDrained(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.socket.writableNeedDrain) {
        setImmediate(resolve);
        return;
      }
      // Whichever comes first removes the other: a backlog streamed through many drains would
      // otherwise leave a 'close' listener behind for each.
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  greeted(): void {
    if (this.state === 'greeting') this.state = 'anonymous';
  }

  closeAfterReply(): void {
    this.afterReplyTasks.push(() => this.end());
  }

  logoutAfterReply(): void {
    this.afterReplyTasks.push(() => {
      this.release(true);
      this.end();
    });
  }

  afterReply(task: () => void): void {
    this.afterReplyTasks.push(task);
  }

  becomeUser(login: {
    username: string;
    watchesPresence: boolean;
    p2pPort?: number;
    publicKey?: string;
  }): OnlineUser {
    this.name = login.username;
    this.watchesPresence = login.watchesPresence;
    this.p2pPort = login.p2pPort;
    this.publicKey = login.publicKey;
    this.state = 'authenticated';
    // From the claim on, live messages wait for the backlog stream (startBacklog), and every other
    // frame for the login reply.
    this.backlog = newBacklog();
    this.beforeLoginReply = [];
    this.armIdleTimer(this.ctx.timeoutSeconds);
    this.clearPartialFrameTimer();
    return this;
  }

  revertLogin(): void {
    if (this.state === 'authenticated') this.state = 'anonymous';
    this.backlog = undefined;
    this.beforeLoginReply = undefined;
    this.name = undefined;
    this.p2pPort = undefined;
    this.publicKey = undefined;
    this.armIdleTimer(this.ctx.limits.preLoginTimeoutSeconds);
  }

  /** Server-initiated end of a session (timeout or shutdown). */
  kick(reason: 'timeout' | 'shutdown'): void {
    if (this.state === 'closed') return;
    this.send({ type: 'logged_out', reason });
    this.release(reason !== 'shutdown');
    this.end();
  }

  /** Another node holds this user now (this node was cut off from the bus): the connection ends. */
  evict(): void {
    if (this.state === 'closed') return;
    this.send({ type: 'logged_out', reason: 'shutdown' });
    this.state = 'anonymous';
    this.end();
  }

  // -------------------------------------------------------------------------------------------
  // Frame loop

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    try {
      for (const frame of this.decoder.push(chunk)) this.queue.push(frame);
      this.watchPartialFrame();
      this.drain();
    } catch (error) {
      if (error instanceof FrameTooLargeError) {
        this.send({ type: 'error', error: { code: 'frame_too_large', message: error.message } });
      } else {
        this.ctx.logger.error({ err: error, user: this.name }, 'unexpected failure; closing connection');
      }
      this.kickForProtocolError();
    }
  }

  /**
   * Handles queued frames in order, one at a time: a request's reply is written before the next
   * request starts, so a client's requests take effect in the order it sent them, on every store.
   * The socket is paused while a request is in progress, so unread input waits in the kernel.
   */
  private drain(): void {
    while (this.mayHandleRequests() && this.queueHead < this.queue.length) {
      const line = this.queue[this.queueHead++] as string;
      if (this.queueHead === this.queue.length) {
        this.queue = [];
        this.queueHead = 0;
      }
      const pending = this.handleLine(line);
      if (pending) {
        this.busy = true;
        this.socket.pause();
        void pending.finally(() => {
          this.busy = false;
          this.resumeReading();
          this.drain();
        });
        return;
      }
    }
  }

  /** False while a request is in progress, output is backed up, or the connection is over. */
  private mayHandleRequests(): boolean {
    return !this.busy && !this.holdingRequests && this.state !== 'closed' && !this.socket.destroyed;
  }

  private resumeReading(): void {
    if (this.mayHandleRequests()) this.socket.resume();
  }

  /**
   * Slowloris: before login, a started frame must be finished within partialFrameTimeoutSeconds.
   * The timer starts with the first byte of a frame and is not reset by more bytes of it.
   */
  private watchPartialFrame(): void {
    const seconds = this.ctx.limits.partialFrameTimeoutSeconds;
    if (this.decoder.bufferedBytes === 0 || this.state === 'authenticated' || seconds <= 0) {
      this.clearPartialFrameTimer();
    } else if (this.partialFrameTimer === undefined) {
      this.partialFrameTimer = setTimeout(() => {
        this.ctx.logger.info({ address: this.remoteAddress }, 'unfinished frame before login; closing');
        this.kick('timeout');
      }, seconds * 1000);
      this.partialFrameTimer.unref();
    }
  }

  private clearPartialFrameTimer(): void {
    if (this.partialFrameTimer) clearTimeout(this.partialFrameTimer);
    this.partialFrameTimer = undefined;
  }

  private handleLine(line: string): Promise<void> | undefined {
    const parsed = nestingExceeds(line)
      ? ({
          ok: false,
          id: undefined,
          error: { code: 'bad_frame', message: `frame nests deeper than ${MAX_FRAME_NESTING} levels` },
        } as const)
      : parseRequestFrame(line);
    const bucket = parsed.ok && FILE_CHUNK_REQUESTS.has(parsed.value.type) ? this.chunkBucket() : this.bucket;
    const verdict = bucket?.take() ?? 'ok';
    if (verdict !== 'ok' && bucket) {
      this.refuseOverRate(verdict, parsed.ok ? parsed.value.id : parsed.id, bucket);
      return undefined;
    }
    if (!parsed.ok) {
      if (parsed.id === undefined) this.send({ type: 'error', error: parsed.error });
      else this.send({ type: 'reply', id: parsed.id, ok: false, error: parsed.error });
      return undefined;
    }
    const request = parsed.value;
    const gate = this.gate(request.type);
    if (gate) {
      this.replyError(request.id, gate);
      return undefined;
    }
    if (handlers[request.type].countsAsActivity) this.idleTimer?.refresh();
    return this.dispatch(request);
  }

  private refuseOverRate(verdict: 'limited' | 'abusive', id: number | undefined, bucket: TokenBucket): void {
    const error = {
      code: 'rate_limited' as const,
      message:
        verdict === 'abusive'
          ? 'far too many requests; closing the connection'
          : 'too many requests; slow down',
      retryAfterMs: bucket.retryAfterMs(),
    };
    if (id === undefined) this.send({ type: 'error', error: { code: error.code, message: error.message } });
    else this.send({ type: 'reply', id, ok: false, error });
    if (verdict === 'abusive') {
      this.ctx.logger.warn({ user: this.name, address: this.remoteAddress }, 'request flood; closing');
      this.kickForProtocolError();
    }
  }

  private gate(type: RequestType): RequestError | undefined {
    if (this.state === 'greeting' && type !== 'hello') {
      return new RequestError('hello_required', 'the first request must be hello');
    }
    if (this.state !== 'greeting' && type === 'hello') {
      return new RequestError('invalid_request', 'hello was already received on this connection');
    }
    if (this.state === 'anonymous' && !handlers[type].beforeLogin) {
      return new RequestError('login_required', `log in before ${type}`);
    }
    return undefined;
  }

  private async dispatch(request: RequestFrame): Promise<void> {
    const handler = handlers[request.type] as {
      run(connection: Connection, request: RequestFrame, ctx: ServerContext): Promise<unknown>;
    };
    try {
      this.replyOk(request.id, await handler.run(this, request, this.ctx));
    } catch (error) {
      this.replyFailure(request, error);
    }
  }

  private replyOk(id: number, result: unknown): void {
    this.writeReply({ type: 'reply', id, ok: true, result } as ServerFrame);
    this.runAfterReply();
  }

  /** A reply goes out at once; the frames held back for a login reply follow it. */
  private writeReply(frame: ServerFrame): void {
    if (this.state === 'closed') return;
    this.write(encodeFrame(frame));
    const held = this.beforeLoginReply;
    this.beforeLoginReply = undefined;
    for (const line of held ?? []) this.write(line);
  }

  private replyFailure(request: RequestFrame, error: unknown): void {
    if (error instanceof RequestError) {
      this.replyError(request.id, error);
    } else if (error instanceof StoreUnavailableError || error instanceof BusUnavailableError) {
      this.ctx.logger.warn({ err: error, type: request.type }, 'request refused: backend unavailable');
      this.replyError(request.id, new RequestError('unavailable', UNAVAILABLE_MESSAGE));
    } else {
      this.ctx.logger.error({ err: error, type: request.type }, 'request failed');
      this.replyError(request.id, new RequestError('internal_error', 'the server failed to handle this'));
    }
    this.runAfterReply();
  }

  private replyError(id: number, error: RequestError): void {
    this.writeReply({ type: 'reply', id, ok: false, error: error.toInfo() });
  }

  private runAfterReply(): void {
    const work = this.afterReplyTasks;
    this.afterReplyTasks = [];
    for (const task of work) task();
  }

  // -------------------------------------------------------------------------------------------
  // Timeout and the end of the connection

  private armIdleTimer(seconds: number): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (seconds <= 0) return;
    this.idleTimer = setTimeout(() => this.kick('timeout'), seconds * 1000);
    this.idleTimer.unref();
  }

  private kickForProtocolError(): void {
    this.release(true);
    this.end();
  }

  /** Takes the user offline (once); `announce` sends presence events to the others. */
  private release(announce: boolean): void {
    if (this.state === 'authenticated' && this.name !== undefined) {
      const user = this.name;
      this.backlog = undefined;
      void this.ctx.presence.release(this, announce).catch((error: unknown) => {
        this.ctx.logger.warn({ err: error, user }, 'logout not fully recorded');
      });
      this.ctx.logger.info({ user }, 'logout');
    }
    if (this.state !== 'closed') this.state = 'anonymous';
  }

  /** Closes the socket once every frame queued so far has been written. */
  private end(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.clearPartialFrameTimer();
    this.clearStallTimer();
    this.writer.end();
    // Keep reading (and discarding) so the peer's FIN arrives; a peer that never closes is cut off.
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref();
  }

  /** Drops the connection at once (end of shutdown). */
  destroy(): void {
    this.socket.destroy();
  }

  private onSocketClosed(): void {
    this.release(true);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.clearPartialFrameTimer();
    this.clearStallTimer();
    this.writer.clear();
    this.state = 'closed';
    this.onClosed(this);
  }
}
