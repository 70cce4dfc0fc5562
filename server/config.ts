/**
 * Server options: the shape startServer() takes, their defaults, and parsing/validation of the
 * command line. Validation happens before anything is opened, so bad arguments never half-start.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { DEFAULT_EDIT_WINDOW_SECONDS, FILE_MAX_BYTES, UPLOAD_EXPIRY_SECONDS } from '../src/shared/limits.js';

export const DEFAULT_HOST = '127.0.0.1';
/** scrypt N used for new password hashes. Lower it only for benchmarks and tests. */
export const DEFAULT_KDF_COST = 16384;

/**
 * Resource limits (docs/reliability.md). The defaults are generous for people and strict enough
 * that one abusive connection or address cannot take the server down.
 */
export const DEFAULT_LIMITS = {
  /** Requests per second a connection may sustain (token bucket refill); 0 turns the limit off. */
  rateLimit: 200,
  /** Requests a connection may send in one burst; a connection more than this far over is cut off. */
  rateBurst: 400,
  /** Open connections in total; further connections are closed at once. */
  maxConnections: 200_000,
  /** Open connections per remote address; 0 = no cap (benchmarks from loopback). */
  maxConnectionsPerAddress: 256,
  /** Output the server may hold for one client before it is disconnected (slow-reader cap). */
  maxOutputBytes: 64 * 1024 * 1024,
  /** Seconds a client whose output is backed up may read nothing before it is disconnected. */
  slowReaderTimeoutSeconds: 20,
  /** Idle seconds before login after which a connection is closed. */
  preLoginTimeoutSeconds: 300,
  /** Seconds a connection that has not logged in may spend on one unfinished frame (slowloris). */
  partialFrameTimeoutSeconds: 20,
  /** Password checks per minute per remote address (IPv6: per /64), all at once if need be; 0 = off. */
  loginAttemptsPerAddress: 120,
  /** Logins per minute per account, right password or wrong; 0 = off. */
  loginAttemptsPerAccount: 30,
  /**
   * Messages and broadcasts accepted and not yet answered, across all connections, past which the
   * next waits for one to finish (server/write-admission.ts); 0 = no bound. About a quarter second
   * of writes at the capacity measured on the two-core bench machine (docs/performance.md).
   */
  maxPendingWrites: 2048,
  /** Milliseconds a message or broadcast past that bound may wait before it is refused busy; 0 = at once. */
  maxWriteWaitMs: 1000,
  /** Seconds after sending during which its sender may edit a message; 0 = no edits. */
  editWindowSeconds: DEFAULT_EDIT_WINDOW_SECONDS,
  /** The largest file a user may upload (docs/protocol.md, "Files"): 25 MiB. */
  maxFileBytes: FILE_MAX_BYTES,
  /** Seconds after its start an upload is removed if unfinished, or no longer attachable if finished: 24 h. */
  uploadExpirySeconds: UPLOAD_EXPIRY_SECONDS,
} as const;

export interface ServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** How long an account stays locked after the third consecutive wrong password. */
  blockDurationSeconds: number;
  /** Idle seconds after which a user is logged out; 0 disables the timeout. */
  timeoutSeconds: number;
  /** SQLite file, or ':memory:'. Defaults to defaultDbPath(). Not with storeUrl. */
  dbPath?: string;
  /** postgres://USER[:PASSWORD]@HOST:PORT/DB: store everything in PostgreSQL instead of SQLite. */
  storeUrl?: string;
  /** redis://HOST:PORT: share the directory and events with the other nodes through Redis. */
  busUrl?: string;
  /**
   * Prefix of every Redis key and channel (default 'messenger:'): the nodes of one service share
   * it, and services that share one Redis each have their own.
   */
  busPrefix?: string;
  credentialsFile?: string;
  openRegistration?: boolean;
  /** scrypt N (power of two) for new hashes. */
  kdfCost?: number;
  /** pino level; 'silent' (the default) logs nothing. */
  logLevel?: string;
  /** PEM certificate chain and key files: serve TLS (1.2 or newer) instead of plain TCP. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Requests per second per connection (0: no limit); default DEFAULT_LIMITS.rateLimit. */
  rateLimit?: number;
  /** Burst size per connection; default twice the rate. */
  rateBurst?: number;
  maxConnections?: number;
  /** 0: no per-address cap. */
  maxConnectionsPerAddress?: number;
  maxOutputBytes?: number;
  /** 0: a client that stops reading is cut off only when its output reaches maxOutputBytes. */
  slowReaderTimeoutSeconds?: number;
  preLoginTimeoutSeconds?: number;
  partialFrameTimeoutSeconds?: number;
  /** 0: no per-address login limit (load tests from loopback). */
  loginAttemptsPerAddress?: number;
  /** 0: no per-account login limit. */
  loginAttemptsPerAccount?: number;
  /** Writes in flight past which the next waits (0: no bound); default DEFAULT_LIMITS.maxPendingWrites. */
  maxPendingWrites?: number;
  /** How long such a write may wait before `busy` (0: at once); default DEFAULT_LIMITS.maxWriteWaitMs. */
  maxWriteWaitMs?: number;
  /**
   * false: no `receipt` frames are pushed (history and conversations still carry the marks); for
   * measuring what they cost (bench/receipts.ts). Default true.
   */
  receipts?: boolean;
  /**
   * Gateway processes that hold the client sockets (server/gateway.ts); 0 (the default): this
   * process accepts them itself. For more connections than one process may open.
   */
  gateways?: number;
  /** Seconds after sending during which a message may be edited (0: never); default 48 hours. */
  editWindowSeconds?: number;
  /**
   * Where files live (server/files/disk-file-store.ts). Default: `files` next to the SQLite file;
   * with --store, `files` in the data folder. The nodes of a cluster must all name one shared folder.
   */
  filesDir?: string;
  /** The largest file in bytes (1 or more); default DEFAULT_LIMITS.maxFileBytes. */
  maxFileBytes?: number;
  /** Seconds an upload may take and a finished one stays attachable; default 24 hours. */
  uploadExpirySeconds?: number;
  /**
   * Keep finished files in this S3 bucket instead of `filesDir`/blobs (server/files/s3-file-store.ts);
   * the parts of uploads in progress stay in `filesDir`. Credentials: the AWS environment.
   */
  s3Bucket?: string;
  /** An S3-compatible service's http(s) URL; default AWS. Needs s3Bucket (as do the three below). */
  s3Endpoint?: string;
  /** Default AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
  s3Region?: string;
  /** Prepended to every key of ours in the bucket. */
  s3Prefix?: string;
  s3ForcePathStyle?: boolean;
}

/** More gateway processes than this would only compete for the same cores. */
export const MAX_GATEWAYS = 64;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `--help` was given: not an error; the caller prints the usage to stdout and exits 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
  constructor(readonly usage: string) {
    super('help requested');
  }
}

export function defaultDataDir(): string {
  return process.env.MESSENGER_DATA_DIR || join(homedir(), '.local', 'share', 'greatest-messenger');
}

export function defaultDbPath(): string {
  return join(defaultDataDir(), 'server.db');
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Throws ConfigError naming the first problem. */
export function validateOptions(options: ServerOptions): void {
  const { port, blockDurationSeconds, timeoutSeconds, kdfCost } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  if (!Number.isFinite(blockDurationSeconds) || blockDurationSeconds < 0) {
    throw new ConfigError(`block duration must be a non-negative number of seconds`);
  }
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) {
    throw new ConfigError(`timeout must be a non-negative number of seconds`);
  }
  if (kdfCost !== undefined && !isPowerOfTwo(kdfCost)) {
    throw new ConfigError(`kdf cost must be a power of two from 2 to 2^20, got ${kdfCost}`);
  }
  if (options.logLevel !== undefined && !LOG_LEVELS.includes(options.logLevel)) {
    throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  checkServiceUrls(options);
  checkS3(options);
  if (options.credentialsFile !== undefined) checkReadable(options.credentialsFile, 'credentials file');
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key must be given together');
  }
  if (options.tlsCertFile !== undefined) checkReadable(options.tlsCertFile, 'TLS certificate');
  if (options.tlsKeyFile !== undefined) checkReadable(options.tlsKeyFile, 'TLS key');
  const counts: [string, number | undefined][] = [
    ['rate limit', options.rateLimit],
    ['rate burst', options.rateBurst],
    ['max connections', options.maxConnections],
    ['max connections per address', options.maxConnectionsPerAddress],
    ['max output bytes', options.maxOutputBytes],
    ['gateways', options.gateways],
    ['login attempts per address', options.loginAttemptsPerAddress],
    ['login attempts per account', options.loginAttemptsPerAccount],
    ['max pending writes', options.maxPendingWrites],
    ['max write wait', options.maxWriteWaitMs],
    ['edit window', options.editWindowSeconds],
    ['max file bytes', options.maxFileBytes],
    ['upload expiry', options.uploadExpirySeconds],
  ];
  for (const [name, value] of counts) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new ConfigError(`${name} must be a non-negative integer, got ${String(value)}`);
    }
  }
  if (options.maxFileBytes === 0) throw new ConfigError('max file bytes must be at least 1');
  if (options.uploadExpirySeconds === 0) throw new ConfigError('upload expiry must be at least 1 second');
  if ((options.gateways ?? 0) > MAX_GATEWAYS) {
    throw new ConfigError(`gateways must be at most ${MAX_GATEWAYS}, got ${String(options.gateways)}`);
  }
  const seconds: [string, number | undefined][] = [
    ['pre-login timeout', options.preLoginTimeoutSeconds],
    ['partial frame timeout', options.partialFrameTimeoutSeconds],
    ['slow reader timeout', options.slowReaderTimeoutSeconds],
  ];
  for (const [name, value] of seconds) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new ConfigError(`${name} must be a non-negative number of seconds`);
    }
  }
}

/** Both URLs are checked for their scheme here, before anything is opened; a bus needs a shared store. */
function checkServiceUrls(options: ServerOptions): void {
  const { storeUrl, busUrl, dbPath } = options;
  if (storeUrl !== undefined && !/^postgres(ql)?:\/\/[^/]+\/[^/?#]+/.test(storeUrl)) {
    throw new ConfigError(
      `--store must be a postgres://USER@HOST:PORT/DB URL, got ${JSON.stringify(redact(storeUrl))}`,
    );
  }
  if (storeUrl !== undefined && dbPath !== undefined) {
    throw new ConfigError('--db (SQLite) and --store (PostgreSQL) cannot be given together');
  }
  if (busUrl !== undefined && !/^rediss?:\/\/[^/]+/.test(busUrl)) {
    throw new ConfigError(`--bus must be a redis://HOST:PORT URL, got ${JSON.stringify(redact(busUrl))}`);
  }
  if (busUrl !== undefined && storeUrl === undefined) {
    throw new ConfigError('--bus needs --store postgres://…: nodes that share a bus must share a database');
  }
  checkBusPrefix(options);
}

/** Same rule as the Redis bus's keyPrefix (server/bus/redis-wire.ts), checked before anything opens. */
function checkBusPrefix({ busPrefix, busUrl }: ServerOptions): void {
  if (busPrefix === undefined) return;
  if (busUrl === undefined) throw new ConfigError('--bus-prefix needs --bus redis://…');
  if (!/^[A-Za-z0-9_.:-]{0,64}$/.test(busPrefix)) {
    throw new ConfigError(
      `--bus-prefix must be at most 64 letters, digits and _ . : -, got ${JSON.stringify(busPrefix)}`,
    );
  }
}

/** S3's bucket naming rules (the common subset every S3-compatible service takes). */
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Key characters that need no escaping anywhere; no empty segment, no leading slash. */
const S3_PREFIX = /^(?:[A-Za-z0-9_.-]+\/?)*$/;
/** One PutObject's limit (server/files/s3-file-store.ts). */
const S3_PUT_MAX_BYTES = 5 * 1024 ** 3;

/** The --s3-* options, checked before anything opens; credentials are never flags. */
function checkS3(options: ServerOptions): void {
  const { s3Bucket, s3Endpoint, s3Region, s3Prefix, s3ForcePathStyle, maxFileBytes } = options;
  if (s3Bucket === undefined) {
    const stray = [s3Endpoint && '--s3-endpoint', s3Region && '--s3-region', s3Prefix && '--s3-prefix'];
    if (s3ForcePathStyle === true) stray.push('--s3-force-path-style');
    const first = stray.find((flag) => typeof flag === 'string');
    if (first) throw new ConfigError(`${first} needs --s3-bucket`);
    return;
  }
  if (!S3_BUCKET.test(s3Bucket) || s3Bucket.includes('..')) {
    throw new ConfigError(
      `--s3-bucket must be 3-63 lowercase letters, digits, . and -, starting and ending with a letter or digit, got ${JSON.stringify(s3Bucket)}`,
    );
  }
  if (s3Endpoint !== undefined && !/^https?:\/\/[^/?#@]+(\/[^?#]*)?$/.test(s3Endpoint)) {
    throw new ConfigError(
      `--s3-endpoint must be an http:// or https:// URL without credentials, got ${JSON.stringify(s3Endpoint)}`,
    );
  }
  if (s3Region !== undefined && !/^[a-z0-9-]{1,32}$/.test(s3Region)) {
    throw new ConfigError(
      `--s3-region must be a region name such as eu-west-1, got ${JSON.stringify(s3Region)}`,
    );
  }
  if (s3Prefix !== undefined && (s3Prefix.length > 256 || !S3_PREFIX.test(s3Prefix))) {
    throw new ConfigError(
      `--s3-prefix must be at most 256 letters, digits and _ . - in segments separated by /, got ${JSON.stringify(s3Prefix)}`,
    );
  }
  if ((maxFileBytes ?? 0) > S3_PUT_MAX_BYTES) {
    throw new ConfigError('with --s3-bucket, --max-file-bytes may be at most 5 GiB (one PutObject)');
  }
}

/** A URL as it may be printed: without its password. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && n <= 2 ** 20 && (n & (n - 1)) === 0;
}

function checkReadable(file: string, what: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new ConfigError(`${what} ${file} is not readable`);
  }
}

/** A value given both as a flag and positionally is an error, not a silent choice. */
function pick(name: string, flag: string | undefined, positional: string | undefined): string | undefined {
  if (flag !== undefined && positional !== undefined) throw new ConfigError(`${name} given twice`);
  return flag ?? positional;
}

function parseNumber(name: string, text: string | undefined): number {
  if (text === undefined) throw new ConfigError(`missing ${name}`);
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new ConfigError(`${name} must be a number, got ${JSON.stringify(text)}`);
  }
  return value;
}

interface RawFlags {
  receipts: boolean;
  port?: string;
  blockDuration?: string;
  timeout?: string;
  host: string;
  db?: string;
  store?: string;
  bus?: string;
  busPrefix?: string;
  credentials?: string;
  openRegistration?: boolean;
  verbose?: boolean;
  logLevel?: string;
  kdfCost?: string;
  tlsCert?: string;
  tlsKey?: string;
  rateLimit?: string;
  rateBurst?: string;
  maxConnections?: string;
  maxConnectionsPerAddress?: string;
  gateways?: string;
  maxOutputBytes?: string;
  slowReaderTimeout?: string;
  preLoginTimeout?: string;
  partialFrameTimeout?: string;
  loginAttemptsPerAddress?: string;
  loginAttemptsPerAccount?: string;
  maxPendingWrites?: string;
  maxWriteWait?: string;
  editWindow?: string;
  filesDir?: string;
  maxFileBytes?: string;
  uploadExpiry?: string;
  s3Bucket?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3Prefix?: string;
  s3ForcePathStyle?: boolean;
}

function optionalNumber(name: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseNumber(name, text);
}

/** Parses argv (without node and script) into validated options; throws ConfigError. */
export function parseCommandLine(argv: string[]): ServerOptions {
  const program = new Command('greatest-messenger-server')
    .description(
      'The messenger server: accounts, presence, blocks, direct messages, broadcast, offline delivery and history over TCP.',
    )
    .usage('[options] [port block_duration timeout]')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .argument('[port]', 'TCP port (0 picks a free one)')
    .argument('[block_duration]', 'seconds an account stays locked after 3 wrong passwords')
    .argument('[timeout]', 'idle seconds before a user is logged out (0: never)')
    .option('--port <port>', 'TCP port (0 picks a free one)')
    .option('--block-duration <seconds>', 'lockout duration in seconds')
    .option('--timeout <seconds>', 'idle timeout in seconds')
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--db <file>', 'SQLite database file or :memory: (the default store)')
    .option('--store <url>', 'PostgreSQL instead of SQLite: postgres://USER@HOST:PORT/DB')
    .option('--bus <url>', 'Redis shared by several nodes: redis://HOST:PORT (needs --store)')
    .option('--bus-prefix <prefix>', "prefix of the bus's Redis keys (default messenger:)")
    .option('--credentials <file>', 'import accounts from "username password" lines')
    .option('--open-registration', 'let unknown usernames register')
    .option('--verbose', 'log at info level to stderr')
    .option('--log-level <level>', `log level (${LOG_LEVELS.join(', ')})`)
    .option('--kdf-cost <N>', 'scrypt N for new password hashes (lower only for benchmarks)')
    .option('--tls-cert <file>', 'PEM certificate (chain): serve TLS instead of plain TCP')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--rate-limit <n>', 'requests per second per connection (0: no limit)')
    .option('--rate-burst <n>', 'request burst per connection (default: twice the rate)')
    .option('--max-connections <n>', 'open connections in total')
    .option('--max-connections-per-address <n>', 'open connections per remote address (0: no cap)')
    .option('--max-output-bytes <n>', 'output queued for one client before it is disconnected')
    .option('--slow-reader-timeout <seconds>', 'seconds a backed-up client may read nothing (0: no limit)')
    .option('--pre-login-timeout <seconds>', 'idle seconds before login (0: none)')
    .option('--partial-frame-timeout <seconds>', 'seconds before login to finish a started frame (0: none)')
    .option('--gateways <n>', 'processes that hold the client connections (0: this one)')
    .option('--login-attempts-per-address <n>', 'password checks per minute per address (0: no limit)')
    .option('--login-attempts-per-account <n>', 'logins per minute per account (0: no limit)')
    .option('--max-pending-writes <n>', 'messages in flight before the next waits (0: no bound)')
    .option('--max-write-wait <ms>', 'how long a message may wait past that before busy (0: at once)')
    .option('--no-receipts', 'push no receipt frames (to measure their cost)')
    .option(
      '--edit-window <seconds>',
      'how long after sending a message may be edited (0: never; default 48 h)',
    )
    .option('--files-dir <dir>', 'folder of uploaded files (default: files/ beside the database)')
    .option('--max-file-bytes <n>', 'largest file a user may upload (default 25 MiB)')
    .option('--upload-expiry <seconds>', 'how long an upload may take and stays attachable (default 24 h)')
    .option('--s3-bucket <name>', 'keep files in this S3 bucket (credentials: AWS_ACCESS_KEY_ID, …)')
    .option('--s3-endpoint <url>', 'URL of an S3-compatible service (default: AWS)')
    .option('--s3-region <region>', 'bucket region (default: AWS_REGION, else us-east-1)')
    .option('--s3-prefix <prefix>', 'prefix of our keys in the bucket')
    .option('--s3-force-path-style', 'bucket in the URL path, as most S3-compatible services want');
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') {
      throw new HelpRequested(program.helpInformation());
    }
    if (error instanceof CommanderError) throw new ConfigError(error.message.replace(/^error: /, ''));
    throw error;
  }
  const flags = program.opts<RawFlags>();
  const [port, block, timeout, extra] = program.args;
  if (extra !== undefined) throw new ConfigError(`unexpected argument ${JSON.stringify(extra)}`);
  const options: ServerOptions = {
    host: flags.host,
    port: parseNumber('port', pick('port', flags.port, port)),
    blockDurationSeconds: parseNumber('block duration', pick('block duration', flags.blockDuration, block)),
    timeoutSeconds: parseNumber('timeout', pick('timeout', flags.timeout, timeout)),
    dbPath: flags.db,
    storeUrl: flags.store,
    busUrl: flags.bus,
    busPrefix: flags.busPrefix,
    credentialsFile: flags.credentials,
    openRegistration: flags.openRegistration === true,
    kdfCost: flags.kdfCost === undefined ? undefined : parseNumber('kdf cost', flags.kdfCost),
    logLevel: flags.logLevel ?? (flags.verbose ? 'info' : undefined),
    tlsCertFile: flags.tlsCert,
    tlsKeyFile: flags.tlsKey,
    rateLimit: optionalNumber('rate limit', flags.rateLimit),
    rateBurst: optionalNumber('rate burst', flags.rateBurst),
    maxConnections: optionalNumber('max connections', flags.maxConnections),
    maxConnectionsPerAddress: optionalNumber('max connections per address', flags.maxConnectionsPerAddress),
    gateways: optionalNumber('gateways', flags.gateways),
    maxOutputBytes: optionalNumber('max output bytes', flags.maxOutputBytes),
    slowReaderTimeoutSeconds: optionalNumber('slow reader timeout', flags.slowReaderTimeout),
    preLoginTimeoutSeconds: optionalNumber('pre-login timeout', flags.preLoginTimeout),
    partialFrameTimeoutSeconds: optionalNumber('partial frame timeout', flags.partialFrameTimeout),
    loginAttemptsPerAddress: optionalNumber('login attempts per address', flags.loginAttemptsPerAddress),
    loginAttemptsPerAccount: optionalNumber('login attempts per account', flags.loginAttemptsPerAccount),
    maxPendingWrites: optionalNumber('max pending writes', flags.maxPendingWrites),
    maxWriteWaitMs: optionalNumber('max write wait', flags.maxWriteWait),
    receipts: flags.receipts,
    editWindowSeconds: optionalNumber('edit window', flags.editWindow),
    filesDir: flags.filesDir,
    maxFileBytes: optionalNumber('max file bytes', flags.maxFileBytes),
    uploadExpirySeconds: optionalNumber('upload expiry', flags.uploadExpiry),
    s3Bucket: flags.s3Bucket,
    s3Endpoint: flags.s3Endpoint,
    s3Region: flags.s3Region,
    s3Prefix: flags.s3Prefix,
    s3ForcePathStyle: flags.s3ForcePathStyle,
  };
  validateOptions(options);
  return options;
}
