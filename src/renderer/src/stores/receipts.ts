/**
 * Delivery state of my messages, per conversation (docs/app.md, "Delivered and read"): the
 * server's two watermarks for each peer, which only grow. A message of mine with an id up to
 * `deliveredUpTo` reached the peer's app, up to `readUpTo` was read there. Also the account's
 * "Send read receipts" setting, which the server keeps.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ReceiptMarks } from '../../../shared/protocol';
import { call } from '../api';
import { describeProblem } from '../errors';
import { useConversationsStore } from './conversations';

/** What my stored message shows: stored by the server, reached the peer's app, read there. */
export type Receipt = 'sent' | 'delivered' | 'read';

export const RECEIPT_LABELS: Readonly<Record<Receipt, string>> = {
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

interface Marks {
  deliveredUpTo: number;
  readUpTo: number;
}

export const useReceiptsStore = defineStore('receipts', () => {
  const marks = ref<Record<string, Marks>>({});
  /** The account's setting; null until the server has said. */
  const readReceipts = ref<boolean | null>(null);
  const settingError = ref<string | null>(null);

  /** New marks for my messages to peer: each only moves forward (answers may arrive out of order). */
  function apply(peer: string, update: ReceiptMarks): void {
    const known = marks.value[peer] ?? { deliveredUpTo: 0, readUpTo: 0 };
    const next = {
      deliveredUpTo: Math.max(known.deliveredUpTo, update.deliveredUpTo ?? 0),
      readUpTo: Math.max(known.readUpTo, update.readUpTo ?? 0),
    };
    if (next.deliveredUpTo !== known.deliveredUpTo || next.readUpTo !== known.readUpTo) {
      marks.value[peer] = next;
    }
  }

  function stateOf(peer: string, id: number): Receipt {
    const known = marks.value[peer];
    if (known === undefined) return 'sent';
    if (id <= known.readUpTo) return 'read';
    return id <= known.deliveredUpTo ? 'delivered' : 'sent';
  }

  async function loadSettings(): Promise<void> {
    const r = await call('getSettings');
    if (r.ok) readReceipts.value = r.value.readReceipts;
  }

  /**
   * Off: the server stops showing others' reads to me, so the ones shown go too. On: the
   * conversations are loaded again, with the reads the server shows me now.
   */
  async function setReadReceipts(on: boolean): Promise<void> {
    const r = await call('setReadReceipts', on);
    if (!r.ok) {
      settingError.value = `Could not change read receipts. ${describeProblem(r.error)}`;
      return;
    }
    settingError.value = null;
    readReceipts.value = r.value.readReceipts;
    if (!r.value.readReceipts) {
      for (const known of Object.values(marks.value)) known.readUpTo = 0;
    } else await useConversationsStore().load();
  }

  function reset(): void {
    marks.value = {};
    readReceipts.value = null;
    settingError.value = null;
  }

  return { marks, readReceipts, settingError, apply, stateOf, loadSettings, setReadReceipts, reset };
});
