/**
 * The chat view's rows: a day separator before the first message of each day, then the messages, each
 * marked `first` when it starts a group (another sender, a new day, or more than five minutes after
 * the previous message).
 *
 * A thread can hold 100,000 messages and grows by a page of 100 every time the view nears the top, so
 * the rows are not rebuilt from scratch each time: when the new items are the previous ones with a
 * page in front (loading older) or behind (new messages), only the new items' rows are built and the
 * previous Row objects are reused. That keeps a page merge cheap and lets row components whose row did
 * not change skip re-rendering. Otherwise (an item replaced or removed) everything is rebuilt; the
 * result is the same either way.
 */
import type { ChatItem } from './stores/chat';
import { dayKey, dayLabel } from './format';

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'msg'; key: string; item: ChatItem; first: boolean }
  | { kind: 'unread'; key: string };

/** The key of the unread divider row. */
export const UNREAD_DIVIDER_KEY = 'unread';

/** A new group starts after this much silence, even from the same sender. */
export const GROUP_GAP_MS = 5 * 60_000;

export interface RowsCache {
  items: readonly ChatItem[];
  rows: Row[];
}

/** Walks items in order, appending their rows; keeps the grouping state between calls. */
class RowBuilder {
  lastDay = '';
  lastFrom = '';
  lastAt = 0;
  /** [dayStart, dayEnd) of lastDay in local time: items of the same day skip dayKey's Date work. */
  private dayStart = Number.POSITIVE_INFINITY;
  private dayEnd = Number.NEGATIVE_INFINITY;

  constructor(readonly out: Row[]) {}

  /** Starts as if `item` had just been added (used to continue after existing rows). */
  after(item: ChatItem): this {
    this.lastDay = this.day(item.sentAt);
    this.lastFrom = item.from;
    this.lastAt = item.sentAt;
    return this;
  }

  private day(at: number): string {
    if (at >= this.dayStart && at < this.dayEnd) return this.lastDay;
    const key = dayKey(at);
    const d = new Date(at);
    this.dayStart = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    this.dayEnd = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
    // A range that does not hold `at` (an invalid date, or a zone skipping midnight) is never reused.
    if (!(at >= this.dayStart && at < this.dayEnd)) {
      this.dayStart = Number.POSITIVE_INFINITY;
      this.dayEnd = Number.NEGATIVE_INFINITY;
    }
    return key;
  }

  /** Adds the rows of `item` (a day separator if it starts a day, then its message row), reusing equal rows. */
  add(item: ChatItem, reuse?: { day?: Row; msg?: Row }): void {
    const day = this.day(item.sentAt);
    if (day !== this.lastDay) {
      const key = `d${day}`;
      this.out.push(reuse?.day?.key === key ? reuse.day : { kind: 'day', key, label: dayLabel(item.sentAt) });
      this.lastDay = day;
      this.lastFrom = '';
    }
    const first = item.from !== this.lastFrom || item.sentAt - this.lastAt > GROUP_GAP_MS;
    const old = reuse?.msg;
    this.out.push(
      old?.kind === 'msg' && old.item === item && old.first === first
        ? old
        : { kind: 'msg', key: item.key, item, first },
    );
    this.lastFrom = item.from;
    this.lastAt = item.sentAt;
  }
}

/** Rows of `items`, reusing `prev` (the rows built for an earlier version of the same thread) when it can. */
export function buildRows(items: readonly ChatItem[], prev?: RowsCache): Row[] {
  if (prev && prev.items.length > 0) {
    if (prev.items === items) return prev.rows;
    const n = prev.items.length;
    const k = items.length - n;
    if (k > 0 && isSlice(items, k, prev.items)) return prepend(items, k, prev);
    if (k > 0 && isSlice(items, 0, prev.items)) {
      const b = new RowBuilder(prev.rows.slice()).after(prev.items[n - 1] as ChatItem);
      for (let i = n; i < items.length; i++) b.add(items[i] as ChatItem);
      return b.out;
    }
  }
  return buildAll(items);
}

function buildAll(items: readonly ChatItem[]): Row[] {
  const b = new RowBuilder([]);
  for (const item of items) b.add(item);
  return b.out;
}

/** items[at .. at + part.length) are part's elements (the same objects). */
function isSlice(items: readonly ChatItem[], at: number, part: readonly ChatItem[]): boolean {
  for (let j = 0; j < part.length; j++) if (items[at + j] !== part[j]) return false;
  return true;
}

/**
 * items = k new items + prev.items. Only the rows of the new items and of prev.items[0] (whose day
 * separator and group start depend on what comes before it) are built; every later row depends only
 * on its own item and the one before, so prev.rows after prev.items[0]'s rows are kept as they are.
 */
function prepend(items: readonly ChatItem[], k: number, prev: RowsCache): Row[] {
  // prev.rows starts with the day separator of prev.items[0], then its message row.
  const [day, msg] = prev.rows;
  if (day?.kind !== 'day' || msg?.kind !== 'msg' || msg.item !== prev.items[0]) return buildAll(items);
  const b = new RowBuilder([]);
  for (let i = 0; i < k; i++) b.add(items[i] as ChatItem);
  b.add(items[k] as ChatItem, { day, msg });
  const out = b.out;
  for (let i = 2; i < prev.rows.length; i++) out.push(prev.rows[i] as Row);
  return out;
}

/**
 * `rows` with an unread divider just before the message row keyed `firstUnread` (the first message
 * the user has not read), or `rows` itself when that message is not among them.
 */
export function withUnreadDivider(rows: Row[], firstUnread: string | null): Row[] {
  if (firstUnread === null) return rows;
  const at = rows.findIndex((row) => row.key === firstUnread);
  if (at === -1) return rows;
  return [...rows.slice(0, at), { kind: 'unread', key: UNREAD_DIVIDER_KEY }, ...rows.slice(at)];
}

/**
 * The key of the first unread message: the `unread`-th incoming message counted back from the newest
 * (the unread count covers incoming messages only). Null when nothing is unread; the oldest loaded
 * incoming message when more are unread than are loaded.
 */
export function firstUnreadKey(items: readonly ChatItem[], unread: number): string | null {
  if (unread <= 0) return null;
  let seen = 0;
  let oldest: string | null = null;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as ChatItem;
    if (item.mine) continue;
    oldest = item.key;
    if (++seen === unread) break;
  }
  return oldest;
}
