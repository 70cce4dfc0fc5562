/**
 * The Redis Bus adapter (./bus.ts), for several nodes: `--bus redis://HOST:PORT`.
 *
 * - Directory: one hash, username → JSON entry; claims, releases and the removal of a node run as
 *   Lua scripts (./redis-scripts.ts), so they are atomic across nodes.
 * - Heartbeat: every heartbeatMs a node renews its alive key (TTL 3 heartbeats) and sweeps: a
 *   listed node without an alive key is dead, and the one sweeper whose script takes its users out
 *   calls usersLost. Death is noticed within 3 heartbeats + 1 sweep (4 s by default), under
 *   NODE_LOSS_MS. A node back from an outage waits 3 heartbeats before it sweeps: if Redis itself
 *   was down or stopped, every node's alive key may have gone, and the others need that long to
 *   renew theirs.
 * - Pub/sub on a second connection: a channel per node for frames to its users, and one channel for
 *   broadcasts and presence, which every node hears, the publisher included, in publish order.
 *   Pub/sub is at most once: what is published while a node is cut off from Redis never reaches it.
 * - Redis unreachable: no offline queue and a command timeout, so a call rejects with
 *   BusUnavailableError at once or within commandTimeoutMs, while ioredis reconnects with backoff.
 *   Once back, the heartbeat finds out what was lost: an expired alive key or a Redis that lost its
 *   data → the node claims its users again (those taken elsewhere meanwhile are evicted); a node
 *   that was swept as dead → all its users are evicted, since every node was told they went offline.
 * - A claim or release whose reply never came may still have run. Such names are kept as doubtful
 *   and released (if this node holds the entry and no session of this node has the name) once Redis
 *   answers again, so a timeout cannot leave a user locked out by a stale entry.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import type { z } from 'zod';
import type { ServerFrame } from '../../src/shared/protocol.js';
import {
  BusUnavailableError,
  NODE_LOSS_MS,
  type BroadcastEvent,
  type Bus,
  type BusListener,
  type DirectoryEntry,
  type PresenceEvent,
} from './bus.js';
import { defaultWarn, guardListener, type Warn } from './guarded-listener.js';
import {
  CLAIM,
  DELIVER,
  HEARTBEAT,
  RECLAIM,
  RELEASE,
  REMOVE_NODE,
  type ScriptDefinition,
} from './redis-scripts.js';
import {
  decodeDelivery,
  decodeEntry,
  decodeEvent,
  directoryEntrySchema,
  encodeMessage,
  keyPrefixSchema,
  nodeIdSchema,
  type Decoded,
} from './redis-wire.js';

export interface RedisBusOptions {
  /** Unique among the nodes; default `<hostname>-<pid>-<random>`, so a restarted node is a new one. */
  readonly nodeId?: string;
  /** Prefix of every key and channel; default 'messenger:'. Nodes of one service share it. */
  readonly keyPrefix?: string;
  /** Heartbeat and sweep period, 20 ms to MAX_HEARTBEAT_MS (1000); default 1000. */
  readonly heartbeatMs?: number;
  /** How long a command may wait for Redis before it rejects, 50-10000 ms; default 1000. */
  readonly commandTimeoutMs?: number;
  /** Dropped messages, listener exceptions, lost and regained connections. */
  onWarning?(message: string): void;
}

const DEFAULT_KEY_PREFIX = 'messenger:';
const DEFAULT_HEARTBEAT_MS = 1000;
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
/** A node is dead once its alive key outlives this many heartbeats without renewal. */
const ALIVE_HEARTBEATS = 3;
/** Death is seen within ALIVE_HEARTBEATS + 1 heartbeats; one more is the margin for slow commands. */
const MAX_HEARTBEAT_MS = Math.floor(NODE_LOSS_MS / (ALIVE_HEARTBEATS + 2));
/** How long a swept node's marker waits for the node to come back and read it. */
const LOST_MARK_TTL_MS = 24 * 60 * 60 * 1000;
const CONNECT_TIMEOUT_MS = 3000;
const MAX_RECONNECT_DELAY_MS = 2000;
/** Commands waiting for Redis at once; more reject at once, so a stalled Redis cannot grow memory. */
const MAX_PENDING_COMMANDS = 10_000;
/** Users claimed again per script call, so one call does not block Redis for long. */
const RECLAIM_BATCH = 500;
const MAX_DOUBTFUL = 100_000;
/** Heartbeats in a row that time out on an open connection before it is replaced. */
const TIMEOUTS_BEFORE_RECONNECT = 3;
/** Redis replies that mean "not now" rather than "never". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed' | 'crashed';
type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

export function createRedisBus(url: string, options: RedisBusOptions = {}): RedisBus {
  return new RedisBus(url, options);
}

export class RedisBus implements Bus {
  readonly nodeId: string;
  private readonly warn: Warn;
  private readonly heartbeatMs: number;
  private readonly aliveTtlMs: number;
  private readonly keys: ReturnType<typeof keyNames>;
  private readonly where: string;
  private readonly main: Redis;
  private readonly sub: Redis;
  private readonly scripts: Record<
    'claim' | 'release' | 'reclaim' | 'heartbeat' | 'removeNode' | 'deliver',
    ScriptCall
  >;
  private state: State = 'new';
  private listener: BusListener | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** The users this node holds, as it last wrote them to Redis. */
  private readonly held = new Map<string, DirectoryEntry>();
  private readonly claiming = new Set<string>();
  /** Names whose claim or release may have run without this node learning it (module comment). */
  private readonly doubtful = new Set<string>();
  private needsReclaim = false;
  /** Sweeps wait until then after this node's own return (heartbeat()). */
  private sweepNotBefore = 0;
  private ticking = false;
  private pending = 0;
  private heartbeatTimeouts = 0;
  private reachable = true;
  /** Set when a command failed or a connection dropped: every node resyncs once the bus answers. */
  private eventsMayBeLost = false;
  /**
   * Set when a connection of this node dropped: frames for its users may have been lost, and its
   * entries too if Redis restarted. Its users catch up once it is back in the directory and
   * subscribed (tick), not on another node's resync, which may come before that.
   */
  private ownLinkBroke = false;

  constructor(url: string, options: RedisBusOptions = {}) {
    this.where = checkUrl(url);
    this.nodeId = parseOption(nodeIdSchema, options.nodeId ?? defaultNodeId(), 'nodeId');
    const prefix = parseOption(keyPrefixSchema, options.keyPrefix ?? DEFAULT_KEY_PREFIX, 'keyPrefix');
    this.heartbeatMs = checkRange(
      'heartbeatMs',
      options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      20,
      MAX_HEARTBEAT_MS,
    );
    const commandTimeout = checkRange(
      'commandTimeoutMs',
      options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      50,
      10_000,
    );
    this.aliveTtlMs = ALIVE_HEARTBEATS * this.heartbeatMs;
    this.warn = options.onWarning ?? defaultWarn;
    this.keys = keyNames(prefix, this.nodeId);
    const connection = connectionOptions(commandTimeout, this.nodeId);
    this.main = new Redis(url, connection);
    this.sub = new Redis(url, connection);
    this.scripts = {
      claim: defineScript(this.main, 'busClaim', CLAIM),
      release: defineScript(this.main, 'busRelease', RELEASE),
      reclaim: defineScript(this.main, 'busReclaim', RECLAIM),
      heartbeat: defineScript(this.main, 'busHeartbeat', HEARTBEAT),
      removeNode: defineScript(this.main, 'busRemoveNode', REMOVE_NODE),
      deliver: defineScript(this.main, 'busDeliver', DELIVER),
    };
    for (const connection of [this.main, this.sub]) {
      connection.on('error', (error: Error) => this.noteUnreachable(error));
      // A restart can close the connection with no error, and the reconnect may then succeed at once.
      connection.on('close', () => {
        if (this.state === 'running') this.noteUnreachable(new Error('connection closed'));
      });
      connection.on('ready', () => this.noteReachable());
      // Right after a reconnect, not a heartbeat later: the sooner the node is back in the directory.
      connection.on('ready', () => void this.tick());
    }
    this.sub.on('message', (channel: string, message: string) => this.receive(channel, message));
  }

  async start(listener: BusListener): Promise<void> {
    if (this.state !== 'new') throw new Error(`RedisBus ${this.nodeId}: start() called twice`);
    this.state = 'starting';
    this.listener = guardListener(listener, this.warn);
    try {
      await Promise.all([this.main.connect(), this.sub.connect()]);
      await this.sub.subscribe(this.keys.events, this.keys.deliverTo(this.nodeId));
      await this.heartbeat();
    } catch (error) {
      this.main.disconnect();
      this.sub.disconnect();
      this.state = 'closed';
      throw new BusUnavailableError(`cannot reach Redis at ${this.where}: ${describe(error)}`);
    }
    this.state = 'running';
    this.timer = setInterval(() => void this.tick(), this.heartbeatMs);
  }

  async claim(entry: Omit<DirectoryEntry, 'node'>): Promise<boolean> {
    const full = parseOption(directoryEntrySchema, { ...entry, node: this.nodeId }, 'directory entry');
    const name = full.username;
    if (this.held.has(name) || this.claiming.has(name)) return false;
    this.claiming.add(name);
    try {
      const won = await this.run('claim', () =>
        this.scripts.claim(this.keys.online, this.keys.users, name, JSON.stringify(full), this.nodeId),
      );
      if (won !== 1) return false;
      this.held.set(name, full);
      this.doubtful.delete(name);
      return true;
    } catch (error) {
      this.markDoubtful(name);
      throw error;
    } finally {
      this.claiming.delete(name);
    }
  }

  async release(username: string): Promise<void> {
    // close() took this node's users out already; sessions that end during shutdown come later.
    if (this.state === 'closing' || this.state === 'closed') return;
    this.held.delete(username);
    try {
      await this.releaseEntry(username);
    } catch (error) {
      this.markDoubtful(username);
      throw error;
    }
  }

  async lookup(username: string): Promise<DirectoryEntry | undefined> {
    const value = await this.run('lookup', () => this.main.hget(this.keys.online, username));
    return value === null ? undefined : this.accept(decodeEntry(value));
  }

  async online(): Promise<DirectoryEntry[]> {
    const all = await this.run('online', () => this.main.hgetall(this.keys.online));
    return Object.values(all).flatMap((value) => this.accept(decodeEntry(value)) ?? []);
  }

  async deliver(to: string, frame: ServerFrame): Promise<boolean> {
    // Frames this node failed to publish reach their recipients by the resync: it goes out first,
    // so a recipient's catch-up comes before this newer frame.
    await this.announceResync();
    const message = encodeMessage({ to, frame });
    const receivers = await this.run('deliver', () =>
      this.scripts.deliver(this.keys.online, to, message, this.keys.deliverPrefix),
    );
    return typeof receivers === 'number' && receivers > 0;
  }

  async broadcast(event: BroadcastEvent): Promise<void> {
    await this.publishEvent(encodeMessage({ kind: 'broadcast', event }));
  }

  async presence(event: PresenceEvent): Promise<void> {
    await this.publishEvent(encodeMessage({ kind: 'presence', event }));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Test hook (test/server/bus/): this node dies without close(). Its heartbeat stops and both
   * connections drop, leaving its entries and alive key in Redis for the other nodes to sweep.
   * Its methods reject with BusUnavailableError from then on.
   */
  crashForTests(): void {
    if (this.state === 'closed' || this.state === 'crashed') return;
    this.state = 'crashed';
    clearInterval(this.timer);
    this.main.disconnect();
    this.sub.disconnect();
  }

  private async shutdown(): Promise<void> {
    const wasUp = this.state === 'running';
    if (this.state === 'crashed') return;
    this.state = 'closing';
    clearInterval(this.timer);
    if (wasUp) {
      try {
        await this.removeNode(this.nodeId, 'close');
      } catch (error) {
        this.warn(
          `Redis bus: close could not take node ${this.nodeId}'s users out (${describe(error)}); ` +
            'the other nodes will once its heartbeat expires',
        );
      }
    }
    this.held.clear();
    this.state = 'closed';
    await Promise.all([quit(this.main), quit(this.sub)]);
  }

  /** Heartbeat, then repair what the heartbeat found, then sweep dead nodes. One at a time. */
  private async tick(): Promise<void> {
    if (this.ticking || this.state !== 'running') return;
    this.ticking = true;
    try {
      await this.announceResync();
      await this.heartbeat();
      await this.repair();
      await this.catchUpOwnUsers();
      if (Date.now() >= this.sweepNotBefore) await this.sweep();
      this.heartbeatTimeouts = 0;
    } catch (error) {
      this.noteTickFailure(error);
    } finally {
      this.ticking = false;
    }
  }

  private async heartbeat(): Promise<void> {
    const { alive, nodes, lost } = this.keys.of(this.nodeId);
    const status = await this.run('heartbeat', () =>
      this.scripts.heartbeat(alive, nodes, lost, this.nodeId, this.aliveTtlMs),
    );
    if (status === 2) this.evictAll();
    else if (status === 1) this.needsReclaim = true;
    // Back from an outage, this node's alive key had gone; so may every other node's, if Redis
    // itself was down or stopped. Give them a whole alive period to renew before judging them.
    if (status !== 0 && this.state === 'running') this.sweepNotBefore = Date.now() + this.aliveTtlMs;
  }

  private async repair(): Promise<void> {
    if (this.needsReclaim) {
      await this.reclaim();
      this.needsReclaim = false;
    }
    await this.settleDoubtful();
  }

  /**
   * After an outage of this node's link (or of Redis): every node, this one included, catches its
   * users up from the store, since frames published meanwhile may never have arrived.
   */
  private async announceResync(): Promise<void> {
    if (!this.eventsMayBeLost) return;
    this.eventsMayBeLost = false;
    await this.publishEvent(encodeMessage({ kind: 'resync' }));
  }

  /**
   * After this node's own link broke: once its entries are back (repair) and it hears events again.
   * Subscribing again is a no-op for Redis, but its reply says the subscription is in place, so
   * every frame published from now on arrives, and the catch-up reads all that was stored before.
   */
  private async catchUpOwnUsers(): Promise<void> {
    if (!this.ownLinkBroke || this.needsReclaim) return;
    await this.run('subscribe', () => this.sub.subscribe(this.keys.events, this.keys.deliverTo(this.nodeId)));
    this.ownLinkBroke = false;
    this.listener?.resync();
  }

  /** The node was swept as dead: every node was told its users went offline, so drop them all. */
  private evictAll(): void {
    const names = [...this.held.keys()];
    this.held.clear();
    this.needsReclaim = false;
    // A claim that ran between the sweep and now left an entry: release it with the others.
    for (const name of names) this.markDoubtful(name);
    this.warn(`Redis bus: node ${this.nodeId} was taken for dead; evicting its ${names.length} users`);
    if (names.length > 0) this.listener?.usersEvicted(names);
  }

  /** Puts this node's users back after Redis forgot them; evicts those another node holds now. */
  private async reclaim(): Promise<void> {
    const snapshot = [...this.held.values()];
    const taken = new Set<string>();
    for (let i = 0; i < snapshot.length; i += RECLAIM_BATCH) {
      const pairs = snapshot.slice(i, i + RECLAIM_BATCH).flatMap((e) => [e.username, JSON.stringify(e)]);
      const result = await this.run('reclaim', () =>
        this.scripts.reclaim(this.keys.online, this.keys.users, this.nodeId, ...pairs),
      );
      if (Array.isArray(result)) for (const name of result) taken.add(String(name));
    }
    const evicted: string[] = [];
    for (const entry of snapshot) {
      if (taken.has(entry.username)) {
        if (this.held.get(entry.username) === entry) this.held.delete(entry.username);
        evicted.push(entry.username);
      } else if (!this.held.has(entry.username)) {
        // Released while the reclaim ran, which may have written it again.
        this.markDoubtful(entry.username);
      }
    }
    if (evicted.length > 0) this.listener?.usersEvicted(evicted);
  }

  private async settleDoubtful(): Promise<void> {
    const names = [...this.doubtful].filter((name) => {
      if (this.held.has(name)) this.doubtful.delete(name);
      return !this.held.has(name) && !this.claiming.has(name);
    });
    for (let i = 0; i < names.length; i += RECLAIM_BATCH) {
      const batch = names.slice(i, i + RECLAIM_BATCH);
      // One connection runs commands in order, so a claim sent after this release runs after it.
      await Promise.all(batch.map((name) => this.releaseEntry(name)));
      for (const name of batch) this.doubtful.delete(name);
    }
  }

  private async sweep(): Promise<void> {
    const listed = await this.run('sweep', () => this.main.smembers(this.keys.nodes));
    const others = listed.filter((id) => id !== this.nodeId && nodeIdSchema.safeParse(id).success);
    if (others.length === 0) return;
    const alive = await this.run('sweep', () => this.main.mget(others.map((id) => this.keys.of(id).alive)));
    for (const [i, id] of others.entries()) {
      if (alive[i] !== null || this.state !== 'running') continue;
      const removed = await this.removeNode(id, 'sweep');
      if (removed.length > 0) this.listener?.usersLost(removed);
    }
  }

  /** Takes a node and its users out of the directory (REMOVE_NODE); returns those users. */
  private async removeNode(id: string, mode: 'sweep' | 'close'): Promise<DirectoryEntry[]> {
    const { alive, users, lost } = this.keys.of(id);
    const result = await this.run(mode, () =>
      this.scripts.removeNode(
        this.keys.online,
        this.keys.nodes,
        alive,
        users,
        lost,
        id,
        mode,
        LOST_MARK_TTL_MS,
      ),
    );
    if (!Array.isArray(result)) return [];
    return result.flatMap((value: string) => this.accept(decodeEntry(value)) ?? []);
  }

  private async releaseEntry(username: string): Promise<void> {
    await this.run('release', () =>
      this.scripts.release(this.keys.online, this.keys.users, username, this.nodeId),
    );
  }

  private async publishEvent(message: string): Promise<void> {
    await this.run('publish', () => this.main.publish(this.keys.events, message));
  }

  private receive(channel: string, message: string): void {
    const listener = this.listener;
    if (listener === undefined || this.state !== 'running') return;
    if (channel === this.keys.events) {
      const event = this.accept(decodeEvent(message));
      if (event?.kind === 'broadcast') listener.broadcast(event.event);
      else if (event?.kind === 'presence') listener.presence(event.event);
      // A node whose own link broke catches up later, in order, once it is whole (tick).
      else if (event?.kind === 'resync' && !this.ownLinkBroke) listener.resync();
    } else {
      const delivery = this.accept(decodeDelivery(message));
      if (delivery !== undefined) listener.deliver(delivery.to, delivery.frame);
    }
  }

  /** The value, or undefined with a warning: what Redis holds is never trusted to be well formed. */
  private accept<T>(decoded: Decoded<T>): T | undefined {
    if (decoded.ok) return decoded.value;
    this.warn(`Redis bus: dropped a ${decoded.error}`);
    return undefined;
  }

  /** Every command goes through here: bounded in number, and failures become BusUnavailableError. */
  private async run<T>(what: string, command: () => Promise<T>): Promise<T> {
    if (this.state === 'new' || this.state === 'closed') {
      throw new Error(`RedisBus ${this.nodeId} is ${this.state === 'new' ? 'not started' : 'closed'}`);
    }
    if (this.state === 'crashed') throw new BusUnavailableError(`RedisBus ${this.nodeId} has crashed`);
    if (this.pending >= MAX_PENDING_COMMANDS) {
      this.eventsMayBeLost = true;
      throw new BusUnavailableError(
        `Redis at ${this.where}: ${MAX_PENDING_COMMANDS} commands already waiting`,
      );
    }
    this.pending++;
    try {
      return await command();
    } catch (error) {
      const translated = this.translate(error, what);
      if (translated instanceof BusUnavailableError) this.eventsMayBeLost = true;
      throw translated;
    } finally {
      this.pending--;
    }
  }

  private translate(error: unknown, what: string): Error {
    if (error instanceof BusUnavailableError) return error;
    const reply = error instanceof (ReplyError as typeof Error);
    if (reply && !TRANSIENT_REPLY.test((error as Error).message)) {
      return new Error(`Redis refused ${what}: ${(error as Error).message}`);
    }
    return new BusUnavailableError(`Redis at ${this.where} unavailable (${what}): ${describe(error)}`);
  }

  private markDoubtful(name: string): void {
    if (this.doubtful.size >= MAX_DOUBTFUL) {
      this.warn(
        `Redis bus: more than ${MAX_DOUBTFUL} unconfirmed claims; ${name} may stay listed until it logs in`,
      );
      return;
    }
    this.doubtful.add(name);
  }

  private noteTickFailure(error: unknown): void {
    if (this.state !== 'running') return;
    const timedOut = describe(error).includes('timed out');
    this.heartbeatTimeouts = timedOut ? this.heartbeatTimeouts + 1 : 0;
    // A connection that stays open but never answers (a silent network) is replaced.
    if (this.heartbeatTimeouts >= TIMEOUTS_BEFORE_RECONNECT && this.main.status === 'ready') {
      this.heartbeatTimeouts = 0;
      this.warn(
        `Redis bus: no reply from ${this.where} for ${TIMEOUTS_BEFORE_RECONNECT} heartbeats; reconnecting`,
      );
      this.main.disconnect(true);
    }
    this.noteUnreachable(error);
  }

  private noteUnreachable(error: unknown): void {
    this.eventsMayBeLost = true;
    if (this.state === 'running' && !this.ownLinkBroke) {
      this.ownLinkBroke = true;
      this.listener?.holdLive();
    }
    if (!this.reachable) return;
    this.reachable = false;
    this.warn(`Redis bus: lost ${this.where} (${describe(error)}); reconnecting`);
  }

  private noteReachable(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.warn(`Redis bus: ${this.where} reachable again`);
  }
}

function keyNames(prefix: string, nodeId: string) {
  const deliverPrefix = `${prefix}deliver:`;
  return {
    online: `${prefix}online`,
    nodes: `${prefix}nodes`,
    events: `${prefix}events`,
    users: `${prefix}node:${nodeId}:users`,
    deliverPrefix,
    deliverTo: (id: string) => `${deliverPrefix}${id}`,
    of: (id: string) => ({
      nodes: `${prefix}nodes`,
      alive: `${prefix}node:${id}:alive`,
      users: `${prefix}node:${id}:users`,
      lost: `${prefix}node:${id}:lost`,
    }),
  };
}

function connectionOptions(commandTimeout: number, nodeId: string): RedisOptions {
  return {
    lazyConnect: true,
    // Fail fast instead of queueing while disconnected; never resend a command that may have run.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), MAX_RECONNECT_DELAY_MS),
    connectionName: `messenger-bus-${nodeId}`,
  };
}

function defineScript(connection: Redis, name: string, script: ScriptDefinition): ScriptCall {
  connection.defineCommand(name, { numberOfKeys: script.keys, lua: script.lua });
  const commands = connection as unknown as Record<string, ScriptCall>;
  const call = commands[name];
  if (call === undefined) throw new Error(`ioredis did not define the script ${name}`);
  return (...args) => call.apply(connection, args);
}

async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // Unreachable: drop the socket below.
    }
  }
  connection.disconnect();
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the bus URL must look like redis://HOST:PORT, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`the bus URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function parseOption<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(
    `invalid ${what} ${JSON.stringify(value)}: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
  );
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function defaultNodeId(): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 32);
  return `${host}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
