/**
 * Composition root: opens storage, imports credentials, builds the services, listens, and knows
 * how to shut everything down. Used by main.ts (the CLI), the tests, the bench and the app launcher.
 */
import { createServer, type Server, type Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import { Accounts } from './accounts.js';
import { Blocks } from './blocks.js';
import {
  DEFAULT_HOST,
  DEFAULT_KDF_COST,
  defaultDbPath,
  validateOptions,
  type ServerOptions,
} from './config.js';
import type { ServerContext } from './context.js';
import { Lockout } from './lockout.js';
import { Messages } from './messages.js';
import { Presence } from './presence.js';
import { Session } from './sessions.js';
import { openStorage, type Storage } from './storage.js';

export type { ServerOptions } from './config.js';

/** Connections that have not logged in are closed after this many idle seconds. */
export const PRE_LOGIN_TIMEOUT_SECONDS = 300;

export interface StartOptions extends ServerOptions {
  /** Use this logger instead of creating one from logLevel. */
  logger?: Logger;
  /** Override the idle limit for connections that have not logged in (tests). */
  preLoginTimeoutSeconds?: number;
}

export interface RunningServer {
  /** The address actually listened on (port is the real one when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  readonly dbPath: string;
  /** Logs everyone out (logged_out reason shutdown), closes sockets and the database. Idempotent. */
  close(): Promise<void>;
}

export function createLogger(level = 'silent'): Logger {
  return pino({ level, base: { name: 'server' } }, pino.destination({ fd: 2, sync: true }));
}

function buildContext(storage: Storage, options: StartOptions, logger: Logger): ServerContext {
  const blocks = new Blocks(storage);
  const presence = new Presence(storage, blocks);
  return {
    storage,
    accounts: new Accounts(storage, options.kdfCost ?? DEFAULT_KDF_COST),
    lockout: new Lockout(storage, options.blockDurationSeconds * 1000),
    blocks,
    presence,
    messages: new Messages(storage, presence, blocks),
    logger,
    openRegistration: options.openRegistration ?? false,
    timeoutSeconds: options.timeoutSeconds,
    preLoginTimeoutSeconds: options.preLoginTimeoutSeconds ?? PRE_LOGIN_TIMEOUT_SECONDS,
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
  const dbPath = options.dbPath ?? defaultDbPath();
  const storage = openStorage(dbPath);
  const ctx = buildContext(storage, options, logger);
  const sessions = new Set<Session>();
  const server = createServer((socket: Socket) => {
    sessions.add(new Session(socket, ctx, (session) => sessions.delete(session)));
  });
  server.on('error', (error) => logger.error({ err: error }, 'server socket error'));
  try {
    if (options.credentialsFile) {
      const created = await ctx.accounts.importFile(options.credentialsFile);
      logger.info({ created, file: options.credentialsFile }, 'imported credentials');
    }
    storage.flush();
    await listen(server, options.port, options.host ?? DEFAULT_HOST);
  } catch (error) {
    storage.close();
    throw error;
  }
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  logger.info({ host: address.address, port: address.port, dbPath }, 'listening');
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    dbPath,
    close: () => (closing ??= shutdown(server, sessions, storage, logger)),
  };
}

async function shutdown(server: Server, sessions: Set<Session>, storage: Storage, logger: Logger) {
  logger.info('shutting down');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const session of sessions) session.kick('shutdown');
  storage.flush();
  // Sockets end after their last frame is written; give slow clients a moment, then cut them off.
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  for (const session of sessions) session.destroy();
  storage.close();
}
