/**
 * The soak test's bookkeeping (bench/soak.ts): every direct message the server acknowledged to its
 * sender, every delivery each recipient saw, every ack the server confirmed, and the checks that
 * turn them into a verdict. The checks are what docs/reliability.md "Delivery guarantee" promises:
 * an acknowledged message is delivered exactly once and in order per sender, counting delivery as
 * what the recipient shows after dropping ids it has already seen; a message is never sent again
 * after its ack was confirmed; within one connection ids only increase. A redelivery of an id whose
 * ack was not yet confirmed (the crash came first) is allowed, and counted separately.
 */
import type { DirectMessage } from '../../src/shared/protocol.js';

export interface SentDm {
  from: string;
  to: string;
  /** Per sender, 1, 2, 3…: the order the sender sent its messages in. */
  seq: number;
  clientId: string;
}

/** Only this many examples of each kind of violation are kept; all are counted. */
const EXAMPLES_PER_KIND = 20;

export interface Violations {
  [kind: string]: { count: number; examples: string[] };
}

/** The message text carries its sender's sequence number: `<from>#<seq> <padding>`. */
export function dmText(from: string, seq: number, padding: number): string {
  return `${from}#${seq} ${'x'.repeat(padding)}`;
}

function seqOf(text: string): number {
  return Number.parseInt(text.slice(text.indexOf('#') + 1), 10);
}

export class SoakLedger {
  /** Message id → the send the server acknowledged with that id. */
  private readonly acknowledged = new Map<number, SentDm>();
  /** `from#seq` → the id the server acknowledged it under. */
  private readonly idBySend = new Map<string, number>();
  /** Recipient → ids it received at least once. */
  private readonly seen = new Map<string, Set<number>>();
  /** `to from#seq` → the id the recipient first received that send under. */
  private readonly idAtRecipient = new Map<string, number>();
  /** Recipient → the highest `upTo` whose ack reply arrived. */
  private readonly confirmedAck = new Map<string, number>();
  /** `from>to` → seq of the last first-time delivery. */
  private readonly lastSeq = new Map<string, number>();
  /** Recipient → broadcast ids received. */
  private readonly broadcastsSeen = new Map<string, Set<number>>();
  /** Broadcaster → ids of its broadcasts the server acknowledged. */
  readonly broadcastsSent = new Map<string, number[]>();
  readonly violations: Violations = {};
  deliveries = 0;
  redeliveries = 0;
  distinctDeliveries = 0;
  broadcastReceipts = 0;

  violation(kind: string, example: string): void {
    const entry = (this.violations[kind] ??= { count: 0, examples: [] });
    entry.count++;
    if (entry.examples.length < EXAMPLES_PER_KIND) entry.examples.push(example);
  }

  get acknowledgedCount(): number {
    return this.acknowledged.size;
  }

  /** The server's reply to `sent` arrived with `message`. */
  acknowledge(sent: SentDm, message: DirectMessage): void {
    const key = `${sent.from}#${sent.seq}`;
    const earlier = this.idBySend.get(key);
    if (earlier !== undefined && earlier !== message.id) {
      this.violation('stored_twice', `${key} acknowledged as ${earlier} and as ${message.id}`);
    }
    const other = this.acknowledged.get(message.id);
    if (other && `${other.from}#${other.seq}` !== key) {
      this.violation('id_reused', `${message.id} acknowledged for ${other.from}#${other.seq} and ${key}`);
    }
    this.idBySend.set(key, message.id);
    this.acknowledged.set(message.id, sent);
  }

  /** `recipient` received `message` on a connection whose previous message id was `lastInSession`. */
  deliver(recipient: string, message: DirectMessage, lastInSession: number): void {
    const { id, from, to, text } = message;
    this.deliveries++;
    if (to !== recipient) this.violation('misrouted', `${id} to ${to} reached ${recipient}`);
    if (id <= lastInSession) {
      this.violation('id_order_in_connection', `${recipient}: ${id} after ${lastInSession}`);
    }
    if (id <= (this.confirmedAck.get(recipient) ?? 0)) {
      this.violation(
        'delivered_after_confirmed_ack',
        `${recipient}: ${id} ≤ ${this.confirmedAck.get(recipient)}`,
      );
    }
    const seen = this.setFor(this.seen, recipient);
    if (seen.has(id)) {
      this.redeliveries++;
      return;
    }
    seen.add(id);
    this.distinctDeliveries++;
    this.checkFirstDelivery(recipient, from, seqOf(text), id);
  }

  confirmAck(recipient: string, upTo: number): void {
    this.confirmedAck.set(recipient, Math.max(this.confirmedAck.get(recipient) ?? 0, upTo));
  }

  broadcastAcknowledged(from: string, id: number): void {
    const ids = this.broadcastsSent.get(from) ?? [];
    ids.push(id);
    this.broadcastsSent.set(from, ids);
  }

  broadcastReceived(recipient: string, id: number, from: string): void {
    this.broadcastReceipts++;
    if (from === recipient) this.violation('own_broadcast_echoed', `${recipient}: ${id}`);
    const seen = this.setFor(this.broadcastsSeen, recipient);
    if (seen.has(id)) this.violation('broadcast_twice', `${recipient}: broadcast ${id}`);
    seen.add(id);
  }

  /** Acknowledged messages their recipient never received. */
  lost(): string[] {
    const lost: string[] = [];
    for (const [id, sent] of this.acknowledged) {
      if (!this.seen.get(sent.to)?.has(id)) lost.push(`${id} ${sent.from}#${sent.seq} → ${sent.to}`);
    }
    return lost;
  }

  /** Distinct messages received whose send no reply acknowledged (the sender gave up on them). */
  unacknowledgedDeliveries(): number {
    let count = 0;
    for (const ids of this.seen.values()) for (const id of ids) if (!this.acknowledged.has(id)) count++;
    return count;
  }

  private checkFirstDelivery(recipient: string, from: string, seq: number, id: number): void {
    const send = `${recipient} ${from}#${seq}`;
    const earlier = this.idAtRecipient.get(send);
    if (earlier !== undefined) {
      this.violation('shown_twice', `${send} received as ${earlier} and as ${id}`);
      return;
    }
    this.idAtRecipient.set(send, id);
    const pair = `${from}>${recipient}`;
    const last = this.lastSeq.get(pair) ?? 0;
    if (seq <= last) this.violation('sender_order', `${pair}: #${seq} after #${last}`);
    this.lastSeq.set(pair, Math.max(last, seq));
  }

  private setFor(map: Map<string, Set<number>>, key: string): Set<number> {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    return set;
  }
}
