/**
 * Server options: the shape startServer() takes, their defaults, and parsing/validation of the
 * command line. Validation happens before anything is opened, so bad arguments never half-start.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';

export const DEFAULT_HOST = '127.0.0.1';
/** scrypt N used for new password hashes. Lower it only for benchmarks and tests. */
export const DEFAULT_KDF_COST = 16384;

export interface ServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** How long an account stays locked after the third consecutive wrong password. */
  blockDurationSeconds: number;
  /** Idle seconds after which a user is logged out; 0 disables the timeout. */
  timeoutSeconds: number;
  /** SQLite file, or ':memory:'. Defaults to defaultDbPath(). */
  dbPath?: string;
  credentialsFile?: string;
  openRegistration?: boolean;
  /** scrypt N (power of two) for new hashes. */
  kdfCost?: number;
  /** pino level; 'silent' (the default) logs nothing. */
  logLevel?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
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
  if (options.credentialsFile !== undefined) checkReadable(options.credentialsFile);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && n <= 2 ** 20 && (n & (n - 1)) === 0;
}

function checkReadable(file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new ConfigError(`credentials file ${file} is not readable`);
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
  port?: string;
  blockDuration?: string;
  timeout?: string;
  host: string;
  db?: string;
  credentials?: string;
  openRegistration?: boolean;
  verbose?: boolean;
  logLevel?: string;
  kdfCost?: string;
}

/** Parses argv (without node and script) into validated options; throws ConfigError. */
export function parseCommandLine(argv: string[]): ServerOptions {
  const program = new Command('server')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .argument('[port]', 'TCP port (0 picks a free one)')
    .argument('[block_duration]', 'seconds an account stays locked after 3 wrong passwords')
    .argument('[timeout]', 'idle seconds before a user is logged out (0: never)')
    .option('--port <port>', 'TCP port (0 picks a free one)')
    .option('--block-duration <seconds>', 'lockout duration in seconds')
    .option('--timeout <seconds>', 'idle timeout in seconds')
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--db <file>', 'SQLite database file or :memory:')
    .option('--credentials <file>', 'import accounts from "username password" lines')
    .option('--open-registration', 'let unknown usernames register')
    .option('--verbose', 'log at info level to stderr')
    .option('--log-level <level>', `log level (${LOG_LEVELS.join(', ')})`)
    .option('--kdf-cost <N>', 'scrypt N for new password hashes (lower only for benchmarks)');
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
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
    credentialsFile: flags.credentials,
    openRegistration: flags.openRegistration === true,
    kdfCost: flags.kdfCost === undefined ? undefined : parseNumber('kdf cost', flags.kdfCost),
    logLevel: flags.logLevel ?? (flags.verbose ? 'info' : undefined),
  };
  validateOptions(options);
  return options;
}
