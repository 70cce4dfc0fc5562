/** The services a connection's request handlers use, built once by the composition root (app.ts). */
import type { Logger } from 'pino';
import type { Accounts } from './accounts.js';
import type { Blocks } from './blocks.js';
import type { Bus } from './bus/bus.js';
import type { Files } from './files/files.js';
import type { Groups } from './groups.js';
import type { KdfGate } from './kdf-gate.js';
import type { SessionLimits } from './limits.js';
import type { Lockout } from './lockout.js';
import type { LoginThrottle } from './login-throttle.js';
import type { Messages } from './messages.js';
import type { Presence } from './presence.js';
import type { Receipts } from './receipts.js';
import type { Store } from './store/store.js';
import type { WriteAdmission } from './write-admission.js';

export interface ServerContext {
  readonly store: Store;
  readonly bus: Bus;
  readonly accounts: Accounts;
  readonly lockout: Lockout;
  /** Every password check (login, registration) runs through it: bounded scrypt concurrency. */
  readonly kdf: KdfGate;
  /** Login attempts per address and per account (counted on each node). */
  readonly loginThrottle: LoginThrottle;
  readonly blocks: Blocks;
  readonly presence: Presence;
  readonly messages: Messages;
  /** Group membership, messages, history and typing (server/groups.ts). */
  readonly groups: Groups;
  /** Uploads, downloads and the janitor of files (server/files/files.ts). */
  readonly files: Files;
  /** Delivered and read marks, coalesced and pushed to senders (server/receipts.ts). */
  readonly receipts: Receipts;
  /** Messages and broadcasts pass it: past its bound they wait, and past the wait they are refused busy. */
  readonly writes: WriteAdmission;
  readonly logger: Logger;
  readonly openRegistration: boolean;
  readonly timeoutSeconds: number;
  /** Rate limit, output cap and pre-login timeouts of every session. */
  readonly limits: SessionLimits;
}
