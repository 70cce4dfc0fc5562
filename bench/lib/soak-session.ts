/**
 * One soak-test user's connection (bench/soak.ts), behaving as a real client does: it reconnects
 * while the server is down, waits `retryAfterMs` and tries again on `rate_limited`, records every
 * message and broadcast it receives in the ledger and acks messages in batches. A request answers
 * 'closed' instead of hanging when the connection dies first (a SIGKILL, the slow-reader cap).
 */
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';
import type { RequestParams, RequestType, ServerEvent } from '../../src/shared/protocol.js';
import { RawClient, type Reply } from '../../test/helpers/raw-client.js';
import type { SoakLedger } from './soak-ledger.js';
import { sleep } from './stats.js';

export const SOAK_PASSWORD = 'soak-pw';
/** Latencies kept for the summary; enough for percentiles of a 30-minute run, and bounded. */
const MAX_LATENCY_SAMPLES = 200_000;
/** Acks are batched as the reference clients do: every 64 messages or 100 ms. */
const ACK_BATCH = 64;
const ACK_DELAY_MS = 100;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2000;
/** A `rate_limited` reply without `retryAfterMs` waits this long. */
const DEFAULT_RETRY_MS = 1000;

export class SoakStats {
  connects = 0;
  connectFailures = 0;
  logins = 0;
  logouts = 0;
  /** Connections that ended without this side asking: the server was killed, or it cut them off. */
  connectionsLost = 0;
  /**
   * Of those, the ones the server closed while it was up (not a kill): a slow-reader or idle limit.
   * The soak's users stay within the documented limits, so this should be 0.
   */
  cutOffByServer = 0;
  /** A few of them: the user and the last frame it got (`logged_out` says why, when sent). */
  readonly cutOffExamples: string[] = [];
  rateLimited = 0;
  /** Errors a real client would retry: `already_logged_in` while the old session is still ending. */
  loginRetries = 0;
  dmReplyMicros: number[] = [];
  broadcastsSent = 0;
  historyPages = 0;
  historyMessages = 0;
  pauses = 0;
  pausedMs = 0;

  cutOff(user: string, lastEvent: ServerEvent | undefined): void {
    this.cutOffByServer++;
    if (this.cutOffExamples.length < 20)
      this.cutOffExamples.push(`${user}: ${JSON.stringify(lastEvent ?? null)}`);
  }

  latency(micros: number): void {
    if (this.dmReplyMicros.length < MAX_LATENCY_SAMPLES) this.dmReplyMicros.push(micros);
  }
}

export interface SoakContext {
  readonly ledger: SoakLedger;
  readonly stats: SoakStats;
  readonly random: () => number;
  /** The server's port now (a restart may have moved it). */
  port(): number;
  /** True once the load phase is over. */
  stopping(): boolean;
  /**
   * The index of the server incarnation running now; undefined from the moment the soak starts
   * killing or stopping it until the next one runs.
   */
  incarnation(): number | undefined;
  /** Every open session, so the soak can close stragglers at the end. */
  readonly sessions: Set<SoakSession>;
}

type Outcome<T extends RequestType> = Reply<T> | 'closed';

function closedPromise(client: RawClient): Promise<'closed'> {
  return new Promise((resolve) => {
    if (client.socket.destroyed) resolve('closed');
    else client.socket.once('close', () => resolve('closed'));
  });
}

export class SoakSession {
  /** Stored messages the login reply announced. */
  pendingOffline = 0;
  /** Direct messages received on this connection. */
  received = 0;
  private readonly closed: Promise<'closed'>;
  private lastId = 0;
  private ackUpTo = 0;
  private unacked = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private ending = false;
  private readonly openedOn: number | undefined;
  /** Requests waiting for their reply: each answers 'closed' if the connection ends first. */
  private readonly inFlight = new Set<() => void>();

  private constructor(
    readonly user: string,
    private readonly client: RawClient,
    private readonly ctx: SoakContext,
  ) {
    this.closed = closedPromise(client);
    this.openedOn = ctx.incarnation();
    // Only the last event is read (to say why a connection was cut off).
    client.eventsKept = 1;
    ctx.sessions.add(this);
    void this.closed.then(() => this.onClosed());
    // Before login: the backlog may arrive in the same chunk as the login reply.
    client.onEvent((event) => this.onEvent(event));
  }

  /**
   * Connects and logs in, retrying until it works; undefined once `giveUp()` says so. Throws on a
   * refusal no retry can fix (a wrong password would mean the soak itself is broken).
   */
  static async open(ctx: SoakContext, user: string, giveUp: () => boolean): Promise<SoakSession | undefined> {
    let backoff = RECONNECT_MIN_MS;
    while (!giveUp()) {
      const session = await SoakSession.connect(ctx, user);
      if (session && (await session.login())) return session;
      session?.close();
      await sleep(backoff);
      backoff = Math.min(RECONNECT_MAX_MS, backoff * 2);
    }
    return undefined;
  }

  get isClosed(): boolean {
    return this.client.closed;
  }

  /** Sends a request; on `rate_limited` waits as told and sends it again. */
  async request<T extends RequestType>(type: T, params: RequestParams<T>): Promise<Outcome<T>> {
    for (;;) {
      const reply = await this.requestOnce(type, params);
      if (reply === 'closed' || reply.ok || reply.error.code !== 'rate_limited') return reply;
      this.ctx.stats.rateLimited++;
      await sleep(reply.error.retryAfterMs ?? DEFAULT_RETRY_MS);
    }
  }

  /**
   * The reply, or 'closed' if the connection dies first. Not `Promise.race` with the session's
   * `closed` promise: every race leaves a reaction on that long-lived promise which keeps the race's
   * result (here, the reply) reachable until the session ends, and a pager's session of 30 minutes
   * kept every history page it read (the driver ran out of heap).
   */
  private requestOnce<T extends RequestType>(type: T, params: RequestParams<T>): Promise<Outcome<T>> {
    if (this.client.closed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const onClose = (): void => resolve('closed');
      this.inFlight.add(onClose);
      void this.client.request(type, params).then((reply) => {
        this.inFlight.delete(onClose);
        resolve(reply);
      });
    });
  }

  /** Stops reading from the socket (a slow reader): the server's output for it backs up. */
  pause(): void {
    this.client.socket.pause();
  }

  resume(): void {
    this.client.socket.resume();
  }

  /** Acks everything received so far and resolves once the server confirmed it (false: it did not). */
  async flushAck(): Promise<boolean> {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.unacked === 0) return true;
    this.unacked = 0;
    const upTo = this.ackUpTo;
    const reply = await this.request('ack', { upTo });
    if (reply === 'closed') return false;
    if (!reply.ok) {
      this.ctx.ledger.violation('ack_refused', `${this.user}: ack ${upTo}: ${reply.error.code}`);
      return false;
    }
    this.ctx.ledger.confirmAck(this.user, upTo);
    return true;
  }

  /** Acks what arrived, logs out and waits for the server to close the connection. */
  async logout(): Promise<void> {
    await this.flushAck();
    this.ending = true;
    const reply = await this.request('logout', {});
    if (reply !== 'closed' && reply.ok) this.ctx.stats.logouts++;
    await Promise.race([this.closed, sleep(5000)]);
    this.close();
  }

  close(): void {
    this.ending = true;
    this.client.close();
  }

  private static async connect(ctx: SoakContext, user: string): Promise<SoakSession | undefined> {
    try {
      const client = await RawClient.connect(ctx.port());
      ctx.stats.connects++;
      return new SoakSession(user, client, ctx);
    } catch {
      ctx.stats.connectFailures++;
      return undefined;
    }
  }

  /** hello + login on this connection; false when the connection died first (try a new one). */
  private async login(): Promise<boolean> {
    const hello = await this.request('hello', { version: PROTOCOL_VERSION, client: 'soak' });
    if (hello === 'closed') return false;
    if (!hello.ok) throw new Error(`${this.user}: hello refused: ${hello.error.code}`);
    for (;;) {
      const login = await this.request('login', { username: this.user, password: SOAK_PASSWORD });
      if (login === 'closed') return false;
      if (login.ok) {
        this.ctx.stats.logins++;
        this.pendingOffline = login.result.pendingOffline;
        return true;
      }
      // The previous connection of this user may still be ending on the server's side.
      if (login.error.code !== 'already_logged_in') {
        throw new Error(`${this.user}: login refused: ${login.error.code} (${login.error.message})`);
      }
      this.ctx.stats.loginRetries++;
      await sleep(500);
    }
  }

  private onEvent(event: ServerEvent): void {
    if (event.type === 'message') {
      this.ctx.ledger.deliver(this.user, event.message, this.lastId);
      this.lastId = event.message.id;
      this.received++;
      this.noteAck(event.message.id);
    } else if (event.type === 'broadcast') {
      this.ctx.ledger.broadcastReceived(this.user, event.id, event.from);
    }
  }

  private noteAck(id: number): void {
    this.ackUpTo = Math.max(this.ackUpTo, id);
    this.unacked++;
    if (this.unacked >= ACK_BATCH) void this.flushAck();
    else this.ackTimer ??= setTimeout(() => void this.flushAck(), ACK_DELAY_MS);
  }

  private onClosed(): void {
    for (const answerClosed of this.inFlight) answerClosed();
    this.inFlight.clear();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.ctx.sessions.delete(this);
    if (!this.ending) {
      this.ctx.stats.connectionsLost++;
      // A paused socket sees its close only when it reads again, maybe after a restart: compare
      // incarnations, not whether a server is up now.
      const sameServer = this.openedOn !== undefined && this.ctx.incarnation() === this.openedOn;
      if (sameServer) this.ctx.stats.cutOff(this.user, this.client.events.at(-1));
    }
    for (const frame of this.client.invalidFrames) {
      this.ctx.ledger.violation('invalid_frame', `${this.user}: ${frame.slice(0, 200)}`);
    }
  }
}
