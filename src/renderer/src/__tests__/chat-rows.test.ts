import { describe, expect, it } from 'vitest';
import { buildRows, GROUP_GAP_MS, type Row } from '../chat-rows';
import { dayLabel, formatTime } from '../format';
import type { ChatItem } from '../stores/chat';

/** The rows as ChatView built them before buildRows: the reference. */
function reference(items: readonly ChatItem[]): Row[] {
  const out: Row[] = [];
  let lastDay = '';
  let lastFrom = '';
  let lastAt = 0;
  for (const item of items) {
    const d = new Date(item.sentAt);
    const day = `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
    if (day !== lastDay) {
      out.push({ kind: 'day', key: `d${day}`, label: dayLabel(item.sentAt) });
      lastDay = day;
      lastFrom = '';
    }
    const first = item.from !== lastFrom || item.sentAt - lastAt > GROUP_GAP_MS;
    out.push({ kind: 'msg', key: item.key, item, first });
    lastFrom = item.from;
    lastAt = item.sentAt;
  }
  return out;
}

/** Deterministic pseudo-random items: senders, gaps of seconds to days. */
function makeItems(n: number, seed: number, startId = 1, startAt = Date.UTC(2024, 0, 1)): ChatItem[] {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const gaps = [1000, 60_000, GROUP_GAP_MS, GROUP_GAP_MS + 1, 3_600_000, 86_400_000, 3 * 86_400_000];
  let at = startAt;
  return Array.from({ length: n }, (_, i) => {
    at += gaps[Math.floor(rnd() * gaps.length)] as number;
    const from = rnd() < 0.5 ? 'me' : 'bob';
    return {
      key: `m${startId + i}`,
      id: startId + i,
      from,
      to: from === 'me' ? 'bob' : 'me',
      text: `t${i}`,
      sentAt: at,
      mine: from === 'me',
      status: 'sent',
    };
  });
}

describe('buildRows', () => {
  it('matches the reference from scratch', () => {
    for (const seed of [1, 2, 3]) {
      const items = makeItems(300, seed);
      expect(buildRows(items)).toEqual(reference(items));
    }
    expect(buildRows([])).toEqual([]);
  });

  it('matches the reference after pages are added in front, reusing the rows it had', () => {
    for (const seed of [4, 5, 6, 7]) {
      const all = makeItems(500, seed);
      let items = all.slice(400);
      let rows = buildRows(items);
      for (let start = 300; start >= 0; start -= 100) {
        const next = all.slice(start);
        const prevRows = rows;
        rows = buildRows(next, { items, rows: prevRows });
        expect(rows).toEqual(reference(next));
        // Rows after the previous first message are the same objects.
        expect(rows[rows.length - 1]).toBe(prevRows[prevRows.length - 1]);
        items = next;
      }
    }
  });

  it('matches the reference after items are added at the end', () => {
    const all = makeItems(200, 8);
    let items = all.slice(0, 150);
    let rows = buildRows(items);
    for (const end of [151, 170, 200]) {
      const next = all.slice(0, end);
      const prevRows = rows;
      rows = buildRows(next, { items, rows: prevRows });
      expect(rows).toEqual(reference(next));
      expect(rows[0]).toBe(prevRows[0]);
      items = next;
    }
  });

  it('rebuilds when items were replaced or removed', () => {
    const items = makeItems(50, 9);
    const rows = buildRows(items);
    const replaced = items.slice();
    replaced[10] = { ...(items[10] as ChatItem), status: 'failed' };
    expect(buildRows(replaced, { items, rows })).toEqual(reference(replaced));
    const removed = items.filter((_, i) => i !== 0);
    expect(buildRows(removed, { items, rows })).toEqual(reference(removed));
    expect(buildRows(items, { items, rows })).toBe(rows);
  });

  it('handles the same day across a page boundary and invalid dates', () => {
    const at = new Date(2024, 5, 1, 12).getTime();
    const mk = (id: number, sentAt: number, from = 'bob'): ChatItem => ({
      key: `m${id}`,
      id,
      from,
      to: 'me',
      text: `${id}`,
      sentAt,
      mine: false,
      status: 'sent',
    });
    const older = [mk(1, at), mk(2, at + 1000)];
    const newer = [mk(3, at + 2000), mk(4, Number.NaN), mk(5, Number.NaN), mk(6, at + 3000)];
    const rows = buildRows(newer);
    expect(rows).toEqual(reference(newer));
    const all = older.concat(newer);
    expect(buildRows(all, { items: newer, rows })).toEqual(reference(all));
  });
});

describe('formatters', () => {
  it('format like toLocale*String', () => {
    for (const at of [0, 1_700_000_000_000, Date.now(), new Date(2020, 1, 29, 23, 59).getTime()]) {
      expect(formatTime(at)).toBe(
        new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
      );
    }
    expect(formatTime(Number.NaN)).toBe('Invalid Date');
    expect(dayLabel(new Date(2020, 1, 29).getTime(), new Date(2024, 0, 1).getTime())).toBe(
      new Date(2020, 1, 29).toLocaleDateString(undefined, {
        weekday: 'long',
        month: 'long',
        day: 'numeric',
        year: 'numeric',
      }),
    );
  });
});
