/**
 * The PostgreSQL adapter's connections: the --store URL, a bounded pool, and the errors that mean
 * the database cannot be reached right now (StoreUnavailableError) told apart from the rest.
 */
import pg from 'pg';
import { StoreUnavailableError } from '../store.js';

export interface PostgresStoreOptions {
  /** Hears about connections the database dropped while idle, and a database running without fsync. */
  onWarning?(message: string): void;
  /** Connections at most (default 10). */
  poolSize?: number;
  /** Calls that may wait for a connection beyond those running (default 1,000); more are refused. */
  maxWaiting?: number;
  /** How long connecting, or waiting for a free connection, may take (default 5 s). */
  connectTimeoutMs?: number;
  /** How long one statement may run, lock waits included (default 10 s). */
  statementTimeoutMs?: number;
}

const USAGE = 'expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE';

export interface ParsedUrl {
  config: pg.ClientConfig;
  /** The URL without its password, for logs. */
  location: string;
}

/** One statement inside Connection.transaction; resolves its rows. */
export type TransactionQuery = <Row>(text: string, values?: readonly unknown[]) => Promise<Row[]>;

/** Reads a postgres:// (or postgresql://) URL; throws an Error naming what is wrong. */
export function parseStoreUrl(url: string): ParsedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new Error(`not a URL: ${JSON.stringify(url)} (${USAGE})`, { cause: error });
  }
  const fail = (what: string) =>
    new Error(`${what} in ${JSON.stringify(withoutPassword(parsed))} (${USAGE})`);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw fail('not a postgres:// URL');
  if (parsed.username === '') throw fail('no user');
  if (parsed.hostname === '') throw fail('no host');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw fail('no database name');
  if (parsed.search !== '' || parsed.hash !== '')
    throw fail('options after the database name are not supported');
  return {
    config: {
      host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: parsed.port === '' ? 5432 : Number(parsed.port),
      user: decodeURIComponent(parsed.username),
      password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
      database,
    },
    location: withoutPassword(parsed),
  };
}

function withoutPassword(url: URL): string {
  const copy = new URL(url.href);
  copy.password = '';
  return copy.href;
}

/** bigint (ids, counts, epoch milliseconds) as a JavaScript number: every value is below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function createPool(config: pg.ClientConfig, options: PostgresStoreOptions): pg.Pool {
  const { connectTimeoutMs = 5000, statementTimeoutMs = 10_000, poolSize = 10 } = options;
  return new pg.Pool({
    ...config,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'greatest-messenger',
    // Durable awaited writes: COMMIT returns once the commit is flushed to disk, whatever the
    // database's default. The server cancels a statement after statementTimeoutMs (a lock wait
    // included); the client gives up a second later, for a server that no longer answers at all.
    options: `-c synchronous_commit=on -c statement_timeout=${statementTimeoutMs}`,
    query_timeout: statementTimeoutMs + 1000,
    types,
  });
}

/** SQLSTATEs of a database that is gone, going, not yet back, or out of connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's own errors for a lost connection or a timeout, which carry no code. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|is not queryable|connection timeout/i;

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Class 08: connection exception.
    if (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return UNAVAILABLE_MESSAGES.test(error.message);
}

/** Runs the adapter's statements on the pool: bounded, translated errors, refused once closed. */
export class Connection {
  private running = 0;
  private ended: Promise<void> | undefined;
  /** Resolved by the last running call to settle, for end(). */
  private whenIdle: (() => void) | undefined;
  private readonly capacity: number;

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    options: PostgresStoreOptions,
  ) {
    this.capacity = (options.poolSize ?? 10) + (options.maxWaiting ?? 1000);
  }

  /** Runs a statement prepared once per connection under `name`; resolves its rows. */
  async rows<Row>(name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
    if (this.ended) throw new Error(`the store at ${this.location} is closed`);
    if (this.running >= this.capacity) {
      throw new StoreUnavailableError(
        `PostgreSQL at ${this.location} is busy: ${this.running} calls waiting`,
      );
    }
    this.running++;
    try {
      const result = await this.pool.query<Row & pg.QueryResultRow>({ name, text, values: [...values] });
      return result.rows;
    } catch (error) {
      throw this.translate(error);
    } finally {
      this.running--;
      if (this.running === 0) this.whenIdle?.();
    }
  }

  /**
   * Runs `work` in one transaction on one pooled connection: committed when it resolves, rolled
   * back when it throws. For the few changes whose checks span several statements (groups).
   */
  async transaction<T>(work: (query: TransactionQuery) => Promise<T>): Promise<T> {
    if (this.ended) throw new Error(`the store at ${this.location} is closed`);
    this.running++;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const connected = client;
      await connected.query('BEGIN');
      const query: TransactionQuery = async <Row>(text: string, values: readonly unknown[] = []) =>
        (await connected.query<Row & pg.QueryResultRow>(text, [...values])).rows;
      const result = await work(query);
      await connected.query('COMMIT');
      client.release();
      client = undefined;
      return result;
    } catch (error) {
      if (client) {
        await client.query('ROLLBACK').catch(() => {});
        client.release(isUnavailable(error) && error instanceof Error ? error : undefined);
      }
      throw this.translate(error);
    } finally {
      this.running--;
      if (this.running === 0) this.whenIdle?.();
    }
  }

  /** StoreUnavailableError for an unreachable database; other errors as they are. */
  translate(error: unknown): unknown {
    if (!isUnavailable(error)) return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${reason}`, {
      cause: error,
    });
  }

  /**
   * Refuses new calls, lets the running ones finish (each is bounded by the timeouts), then closes
   * every connection; safe to call twice. The pool itself would not serve calls still waiting for
   * a connection once it is ending.
   */
  end(): Promise<void> {
    this.ended ??= (async () => {
      if (this.running > 0) await new Promise<void>((resolve) => (this.whenIdle = resolve));
      await this.pool.end();
    })();
    return this.ended;
  }
}
