/**
 * Composition root: opens the file store, the store and the bus (adapters picked by the options), imports
 * credentials, builds the services, listens, and knows how to shut everything down. Used by
 * main.ts (the CLI), the tests, the bench and the app launcher.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import pino, { type Logger } from 'pino';
import { encodeFrame } from '../src/shared/codec.js';
import { Accounts } from './accounts.js';
import { Blocks } from './blocks.js';
import type { Bus, BusListener } from './bus/bus.js';
import { openBus } from './bus/open-bus.js';
import {
  DEFAULT_HOST,
  DEFAULT_KDF_COST,
  DEFAULT_LIMITS,
  validateOptions,
  type ServerOptions,
} from './config.js';
import type { ServerContext } from './context.js';
import { Files } from './files/files.js';
import { openDiskFileStore, openFileStore, type OpenFileStore } from './files/open-file-store.js';
import { KdfGate } from './kdf-gate.js';
import { ConnectionCaps, type SessionLimits } from './limits.js';
import { Lockout } from './lockout.js';
import { LoginThrottle } from './login-throttle.js';
import { Messages } from './messages.js';
import { Groups } from './groups.js';
import { Presence } from './presence.js';
import { Receipts } from './receipts.js';
import { normaliseAddress } from './p2p.js';
import { startGateways, type Gateways } from './gateway-link.js';
import type { GatewaySetup } from './gateway-wire.js';
import { Session, type ClientSocket } from './sessions.js';
import { acceptsTyping } from './typing.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { WriteAdmission } from './write-admission.js';

export type { ServerOptions } from './config.js';

/** Connections that have not logged in are closed after this many idle seconds. */
export const PRE_LOGIN_TIMEOUT_SECONDS = DEFAULT_LIMITS.preLoginTimeoutSeconds;

/** How long a shutdown waits for clients to read their last frames. */
const SHUTDOWN_GRACE_MS = 2000;

/** A TLS handshake must finish within this time. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface StartOptions extends ServerOptions {
  /** Use this logger instead of creating one from logLevel. */
  logger?: Logger;
}

export interface RunningServer {
  /** The address actually listened on (port is the real one when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  /** Where the data lives: the SQLite file, or the PostgreSQL URL without its password. */
  readonly dbPath: string;
  /** This node's id on the bus. */
  readonly nodeId: string;
  readonly tls: boolean;
  /** Open connections right now (tests of the connection caps). */
  connectionCount(): number;
  /** Logs everyone out (logged_out reason shutdown), closes sockets and the database. Idempotent. */
  close(): Promise<void>;
}

export function createLogger(level = 'silent'): Logger {
  return pino({ level, base: { name: 'server' } }, pino.destination({ fd: 2, sync: true }));
}

export function resolveLimits(options: ServerOptions): SessionLimits {
  const rateLimit = options.rateLimit ?? DEFAULT_LIMITS.rateLimit;
  return {
    rateLimit,
    rateBurst:
      options.rateBurst ?? (options.rateLimit === undefined ? DEFAULT_LIMITS.rateBurst : 2 * rateLimit),
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes,
    slowReaderTimeoutSeconds: options.slowReaderTimeoutSeconds ?? DEFAULT_LIMITS.slowReaderTimeoutSeconds,
    preLoginTimeoutSeconds: options.preLoginTimeoutSeconds ?? DEFAULT_LIMITS.preLoginTimeoutSeconds,
    partialFrameTimeoutSeconds:
      options.partialFrameTimeoutSeconds ?? DEFAULT_LIMITS.partialFrameTimeoutSeconds,
  };
}

function buildFiles(
  store: Store,
  blocks: Blocks,
  options: StartOptions,
  opened: OpenFileStore,
  logger: Logger,
) {
  const files = new Files(
    store,
    opened.blobs,
    blocks,
    {
      maxFileBytes: options.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes,
      uploadExpirySeconds: options.uploadExpirySeconds ?? DEFAULT_LIMITS.uploadExpirySeconds,
    },
    logger,
  );
  files.onClose(() => opened.close());
  return files;
}

/** The services of one server (exported for tests that drive a Session directly). */
export function buildContext(
  store: Store,
  bus: Bus,
  options: StartOptions,
  logger: Logger,
  blobs: OpenFileStore = openDiskFileStore(options),
): ServerContext {
  const blocks = new Blocks(store.blocks);
  const files = buildFiles(store, blocks, options, blobs, logger);
  const presence = new Presence(bus, store.presence, blocks);
  const accounts = new Accounts(store.accounts, options.kdfCost ?? DEFAULT_KDF_COST);
  const receipts = new Receipts(store.messages, store.groups, bus, (message) => logger.warn(message), {
    push: options.receipts ?? true,
  });
  const groups = new Groups(store, accounts, bus, blocks, receipts);
  return {
    store,
    bus,
    accounts,
    lockout: new Lockout(store.lockout, options.blockDurationSeconds * 1000),
    kdf: new KdfGate(),
    loginThrottle: new LoginThrottle({
      perAddressPerMinute: options.loginAttemptsPerAddress ?? DEFAULT_LIMITS.loginAttemptsPerAddress,
      perAccountPerMinute: options.loginAttemptsPerAccount ?? DEFAULT_LIMITS.loginAttemptsPerAccount,
    }),
    blocks,
    presence,
    messages: new Messages(
      store,
      accounts,
      bus,
      presence,
      blocks,
      receipts,
      groups,
      options.editWindowSeconds ?? DEFAULT_LIMITS.editWindowSeconds,
      (sha256) => void files.release(sha256),
    ),
    groups,
    files,
    receipts,
    writes: new WriteAdmission(
      options.maxPendingWrites ?? DEFAULT_LIMITS.maxPendingWrites,
      options.maxWriteWaitMs ?? DEFAULT_LIMITS.maxWriteWaitMs,
    ),
    logger,
    openRegistration: options.openRegistration ?? false,
    timeoutSeconds: options.timeoutSeconds,
    limits: resolveLimits(options),
  };
}

/** What this node does with the bus's events: hand frames to its own connections. */
export function busListener(ctx: ServerContext): BusListener {
  const { presence, messages, blocks, logger } = ctx;
  return {
    deliver: (to, frame) => {
      if (frame.type === 'typing' && !acceptsTyping(blocks, to, frame.from)) return;
      presence.localUser(to)?.send(frame);
    },
    broadcast: (event) => messages.deliverBroadcast(event),
    presence: (event) => presence.deliverEvent(event),
    usersLost: (entries) => {
      logger.warn({ users: entries.length }, 'a node was lost; its users are offline');
      void presence.usersLost(entries).catch((error: unknown) => {
        logger.error({ err: error }, 'could not record the lost users offline');
      });
    },
    usersEvicted: (names) => {
      logger.warn({ users: names.length }, 'users moved to another node while this one was cut off');
      presence.usersEvicted(names);
    },
    holdLive: () => presence.holdLive(),
    resync: () => {
      logger.warn('the bus may have dropped frames; catching users up from the store');
      presence.resync();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Starts a server; rejects (with nothing left open) when the options, database or port are bad. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  validateOptions(options);
  const logger = options.logger ?? createLogger(options.logLevel);
  const tls = readTlsFiles(options);
  // First: a bucket that does not answer stops the start before the database is touched.
  const blobs = await openFileStore(options);
  let store: Store;
  let bus: Bus;
  try {
    store = await openStore(options, logger);
  } catch (error) {
    blobs.close();
    throw error;
  }
  try {
    bus = await openBus(options, logger);
  } catch (error) {
    blobs.close();
    await store.close();
    throw error;
  }
  const ctx = buildContext(store, bus, options, logger, blobs);
  const dbPath = store.location;
  const sessions = new Set<Session>();
  const refused = new WeakSet<ClientSocket>();
  const onSession = (socket: ClientSocket) => {
    if (refused.has(socket)) return;
    sessions.add(new Session(socket, ctx, (session) => sessions.delete(session)));
  };
  const caps = new ConnectionCaps(
    options.maxConnections ?? DEFAULT_LIMITS.maxConnections,
    options.maxConnectionsPerAddress ?? DEFAULT_LIMITS.maxConnectionsPerAddress,
  );
  const gatewayCount = options.gateways ?? 0;
  // With gateways this process accepts each connection unread and hands it over (startGateways).
  const server: Server =
    gatewayCount > 0
      ? createServer({ pauseOnConnect: true })
      : tls
        ? createTlsServer(
            { ...tls, minVersion: 'TLSv1.2', handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS },
            onSession,
          )
        : createServer(onSession);
  if (tls) {
    server.on('tlsClientError', (error: Error, socket: Socket) => {
      logger.debug({ err: error, address: normaliseAddress(socket.remoteAddress) }, 'TLS handshake failed');
      socket.destroy();
    });
  }
  // 'connection' fires for the raw socket before any TLS handshake: refused connections cost nothing.
  // (With gateways, connections are admitted once their gateway has them: startGateways below.)
  if (gatewayCount === 0) {
    server.prependListener('connection', (socket: Socket) => {
      if (!admit(socket, caps, tls !== undefined, logger)) refused.add(socket);
    });
  }
  server.on('error', (error) => logger.error({ err: error }, 'server socket error'));
  let gateways: Gateways | undefined;
  if (gatewayCount > 0) {
    const setup: GatewaySetup = { t: 'setup', maxOutputBytes: ctx.limits.maxOutputBytes };
    if (tls) {
      setup.tls = {
        cert: tls.cert.toString(),
        key: tls.key.toString(),
        handshakeTimeoutMs: TLS_HANDSHAKE_TIMEOUT_MS,
      };
    }
    try {
      gateways = await startGateways(
        gatewayCount,
        server,
        setup,
        (socket) => {
          if (admit(socket, caps, tls !== undefined, logger)) onSession(socket);
        },
        (message) => logger.error(message),
      );
    } catch (error) {
      await closeServices(bus, store);
      throw error;
    }
  }
  try {
    // A lone node is the whole service: whoever a crash left online is offline now. (Several
    // nodes take a lost node's users offline through the bus instead: BusListener.usersLost.)
    if (options.busUrl === undefined) await store.presence.everyoneOffline();
    await bus.start(busListener(ctx));
    if (options.credentialsFile) {
      const created = await ctx.accounts.importFile(options.credentialsFile);
      logger.info({ created, file: options.credentialsFile }, 'imported credentials');
    }
    await listen(server, options.port, options.host ?? DEFAULT_HOST);
  } catch (error) {
    await gateways?.stop();
    await closeServices(bus, store);
    throw error;
  }
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  ctx.files.startJanitor();
  logger.info({ host: address.address, port: address.port, dbPath, node: bus.nodeId }, 'listening');
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    dbPath,
    nodeId: bus.nodeId,
    tls: tls !== undefined,
    connectionCount: () => caps.open,
    close: () => (closing ??= shutdown(server, gateways, sessions, ctx)),
  };
}

function readTlsFiles(options: ServerOptions): { cert: Buffer; key: Buffer } | undefined {
  if (options.tlsCertFile === undefined || options.tlsKeyFile === undefined) return undefined;
  return { cert: readFileSync(options.tlsCertFile), key: readFileSync(options.tlsKeyFile) };
}

/** Applies the connection caps to a new raw socket; a refused one is told why (plain TCP) and closed. */
function admit(socket: ClientSocket, caps: ConnectionCaps, tls: boolean, logger: Logger): boolean {
  const address = normaliseAddress(socket.remoteAddress);
  const refused = caps.admit(address);
  if (refused === undefined) {
    socket.once('close', () => caps.release(address));
    return true;
  }
  logger.warn({ address }, refused);
  socket.on('error', () => {});
  if (tls) {
    socket.destroy();
    return false;
  }
  socket.end(encodeFrame({ type: 'error', error: { code: 'rate_limited', message: refused } }));
  socket.resume();
  setTimeout(() => socket.destroy(), 1000).unref();
  return false;
}

async function closeServices(bus: Bus, store: Store): Promise<void> {
  await bus.close();
  await store.close();
}

async function shutdown(
  server: Server,
  gateways: Gateways | undefined,
  sessions: Set<Session>,
  ctx: ServerContext,
) {
  const { logger } = ctx;
  logger.info('shutting down');
  // Stop accepting in both modes; with gateways the listener holds no connection, so 'all closed'
  // means the gateways' connections are gone.
  const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  const closed = gateways ? gateways.drained(SHUTDOWN_GRACE_MS) : listenerClosed;
  for (const session of sessions) session.kick('shutdown');
  // Sockets end after their last frame is written; give slow clients a moment, then cut them off.
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
  for (const session of sessions) session.destroy();
  await gateways?.stop();
  await ctx.presence.settled();
  await ctx.receipts.close();
  await ctx.files.close();
  await closeServices(ctx.bus, ctx.store);
}
