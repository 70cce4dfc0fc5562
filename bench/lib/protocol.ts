/** Commands the orchestrator sends to its load-generator workers, and what they report back. */
import type { Kind } from './client.js';

export type WorkerCommand =
  | {
      cmd: 'connect';
      kind: Kind;
      host: string;
      port: number;
      names: string[];
      password: string;
      localAddresses: string[];
      concurrency: number;
      quiet: boolean;
      /** false: log in with `presence: false` (a headless client; docs/protocol.md, login). */
      watchPresence?: boolean;
      join?: string;
      /** The XMPP domain (kind xmpp). */
      domain?: string;
      timeoutMs: number;
      budgetMs: number;
      stopOnFailure: boolean;
    }
  | { cmd: 'reset'; phase: string; quiet: boolean }
  | { cmd: 'closed'; peers: string[]; durationMs: number; window: number; maxPerClient: number }
  | { cmd: 'open'; peers: string[]; rate: number; durationMs: number }
  | { cmd: 'broadcast'; channel: string }
  | { cmd: 'seed'; to: string; perClient: number; window: number; tag: string; budgetMs: number }
  | {
      cmd: 'backlog';
      host: string;
      port: number;
      name: string;
      password: string;
      expected: number;
      tag: string;
      budgetMs: number;
    }
  | { cmd: 'loginLoop'; host: string; port: number; names: string[]; password: string; durationMs: number }
  | { cmd: 'stats' }
  | { cmd: 'closeAll'; destroy: boolean }
  | { cmd: 'exit' };

export interface WorkerStats {
  clients: number;
  sent: number;
  replies: number;
  errors: number;
  errorCodes: Record<string, number>;
  received: number;
  receivedOffline: number;
  lastReceiptAt: number;
  bytesIn: number;
  linesIn: number;
  /** Send → receipt, microseconds. */
  latencies: Float64Array;
}
