/**
 * Accounts: password hashing (scrypt, per-user salt, parameters stored in each hash so the cost can
 * be raised later), verification, registration and the report's credentials-file import.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { usernameSchema, passwordSchema } from '../src/shared/protocol.js';
import type { AccountStore, Registration } from './store/store.js';

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // maxmem must cover 128·N·r bytes; the default (32 MiB) is just enough for N = 2^15.
  const maxmem = 256 * (options.N ?? 16384) * (options.r ?? BLOCK_SIZE) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Runs one key derivation, perhaps after waiting its turn (the server's KDF gate, server/kdf-gate.ts). */
export type InTurn = <T>(derivation: () => Promise<T>) => Promise<T>;

const atOnce: InTurn = (derivation) => derivation();

/** "scrypt$N$r$p$salt$key" with base64 salt and key. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, { N: cost, r: BLOCK_SIZE, p: PARALLELISM });
  return ['scrypt', cost, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return undefined;
  return {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, 'base64'),
    key: Buffer.from(key, 'base64'),
  };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** True when the hash was made with weaker parameters than we use now. */
export function needsRehash(stored: string, cost: number): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.N < cost || parsed.r < BLOCK_SIZE;
}

export class CredentialsFormatError extends Error {
  override name = 'CredentialsFormatError';
}

/** Parses "username password" lines (one space; the password is the rest of the line). */
export function parseCredentials(text: string, file: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const space = line.indexOf(' ');
    const username = space === -1 ? line : line.slice(0, space);
    const password = space === -1 ? '' : line.slice(space + 1);
    if (!usernameSchema.safeParse(username).success || !passwordSchema.safeParse(password).success) {
      throw new CredentialsFormatError(
        `credentials file ${file} line ${index + 1}: expected "username password"`,
      );
    }
    entries.push([username, password]);
  });
  return entries;
}

export class Accounts {
  constructor(
    private readonly store: AccountStore,
    private readonly kdfCost: number,
  ) {}

  exists(name: string): Promise<boolean> {
    return this.store.exists(name);
  }

  /** "Send read receipts" (docs/protocol.md, `settings`). */
  readReceipts(name: string): Promise<boolean> {
    return this.store.readReceipts(name);
  }

  setReadReceipts(name: string, on: boolean): Promise<void> {
    return this.store.setReadReceipts(name, on);
  }

  /** Names starting with prefix, sorted, at most limit. */
  search(prefix: string, limit: number): Promise<string[]> {
    return this.store.search(prefix, limit);
  }

  /**
   * Checks the password; upgrades an old-parameter hash on success. Each key derivation runs
   * through `inTurn` (the server's KDF gate), and only the derivation: store reads and writes stay
   * outside, so the gate's slots and its wait estimate follow scrypt's cost, not the store's latency.
   */
  async verify(name: string, password: string, inTurn: InTurn = atOnce): Promise<boolean> {
    const stored = await this.store.passwordHash(name);
    if (stored === undefined) return false;
    const ok = await inTurn(() => verifyPassword(password, stored));
    if (ok && needsRehash(stored, this.kdfCost)) {
      await this.store.setPasswordHash(name, await inTurn(() => hashPassword(password, this.kdfCost)));
    }
    return ok;
  }

  /**
   * A new account, unless the name is taken or looks like an existing one (server/look-alike.ts).
   * Checked before the costly hash, and again with the insert, since a concurrent registration
   * may have won the race meanwhile.
   */
  async register(name: string, password: string, inTurn: InTurn = atOnce): Promise<Registration> {
    if (await this.exists(name)) return 'taken';
    if (await this.store.hasLookAlike(name)) return 'look_alike';
    const hash = await inTurn(() => hashPassword(password, this.kdfCost));
    return this.store.register(name, hash, Date.now());
  }

  /**
   * Imports a credentials file. Accounts that already exist keep their stored password (a user may
   * have changed it); only new names are added. Returns how many accounts were created.
   */
  async importFile(file: string): Promise<number> {
    const entries = parseCredentials(await readFile(file, 'utf8'), file);
    // The operator's file may list look-alike names: it is trusted, so only taken names are skipped.
    const known = await Promise.all(entries.map(([name]) => this.exists(name)));
    const fresh = entries.filter((_, index) => !known[index]);
    const results = await Promise.all(
      fresh.map(async ([name, password]) =>
        this.store.create(name, await hashPassword(password, this.kdfCost), Date.now()),
      ),
    );
    return results.filter(Boolean).length;
  }
}
