/**
 * The Store port's behaviour (server/store/store.ts), one suite for every adapter: each adapter's
 * test file calls describeStoreConformance with a function that opens a fresh, empty store.
 * Concurrent calls are made with Promise.all: on a networked store they run on several connections
 * at once, so the atomicity the port promises is exercised for real.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GROUP_MEMBERS_MAX,
  REACTION_USERS_MAX,
  REPLY_EXCERPT_MAX,
  TEXT_MAX_LENGTH,
} from '../../../src/shared/limits.js';
import type { DirectMessage } from '../../../src/shared/protocol.js';
import type { ReactionEmoji } from '../../../src/shared/reactions.js';
import type { Store } from '../../../server/store/store.js';

export interface StoreFixture {
  /** A fresh, empty store. */
  store: Store;
  /** Closes the store (if it is not yet) and opens the same data again, as a restart does. */
  reopen(): Promise<Store>;
  /** Closes every store it opened and removes the data. */
  cleanup(): Promise<void>;
}

const NEVER = Number.MAX_SAFE_INTEGER;
const LOCKOUT = { maxFailures: 3, lockMs: 60_000 };

export function describeStoreConformance(name: string, open: () => Promise<StoreFixture>): void {
  describe(`Store conformance: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const users = (...names: string[]) =>
      Promise.all(names.map((n) => store.accounts.create(n, `hash-${n}`, 1)));
    const send = (
      from: string,
      to: string,
      text: string,
      extra: { sentAt?: number; clientId?: string } = {},
    ) =>
      store.messages.insertDirect({ from, to, text, sentAt: extra.sentAt ?? 1000, clientId: extra.clientId });
    async function stored(from: string, to: string, text: string, sentAt = 1000): Promise<DirectMessage> {
      const result = await send(from, to, text, { sentAt });
      if (!('message' in result)) throw new Error(`refused: ${result.refused}`);
      return result.message;
    }
    const ids = (messages: readonly { id: number }[]) => messages.map((m) => m.id);

    describe('accounts', () => {
      it('create, exists, passwordHash and setPasswordHash', async () => {
        expect(await store.accounts.exists('leia')).toBe(false);
        expect(await store.accounts.passwordHash('leia')).toBeUndefined();
        expect(await store.accounts.create('leia', 'h1', 5)).toBe(true);
        expect(await store.accounts.create('leia', 'other', 6)).toBe(false);
        expect(await store.accounts.exists('leia')).toBe(true);
        expect(await store.accounts.exists('Leia')).toBe(false);
        expect(await store.accounts.passwordHash('leia')).toBe('h1');
        await store.accounts.setPasswordHash('leia', 'h2');
        expect(await store.accounts.passwordHash('leia')).toBe('h2');
      });

      it('register refuses a taken name and a look-alike; create (the operator) allows look-alikes', async () => {
        expect(await store.accounts.register('leia', 'h', 1)).toBe('created');
        expect(await store.accounts.register('leia', 'h', 1)).toBe('taken');
        expect(await store.accounts.register('Ieia', 'h', 1)).toBe('look_alike'); // capital i
        expect(await store.accounts.register('LEIA', 'h', 1)).toBe('look_alike');
        expect(await store.accounts.register('1eia', 'h', 1)).toBe('look_alike');
        expect(await store.accounts.exists('Ieia')).toBe(false);
        expect(await store.accounts.hasLookAlike('leia')).toBe(true);
        expect(await store.accounts.hasLookAlike('LeIa')).toBe(true);
        expect(await store.accounts.hasLookAlike('luke')).toBe(false);
        expect(await store.accounts.create('Ieia', 'h', 1)).toBe(true);
        expect(await store.accounts.exists('Ieia')).toBe(true);
        expect(await store.accounts.register('luke', 'h', 1)).toBe('created');
      });

      it('of racing registrations of one name, or of look-alike names, exactly one is created', async () => {
        for (const round of ['a', 'b', 'c']) {
          const same = await Promise.all(
            Array.from({ length: 6 }, () => store.accounts.register(`han${round}`, 'h', 1)),
          );
          expect(same.filter((r) => r === 'created')).toHaveLength(1);
          expect(same.filter((r) => r === 'taken')).toHaveLength(5);

          const alike = [`yoda${round}`, `YODA${round}`, `Yoda${round}`, `y0da${round}`, `YOdA${round}`];
          const results = await Promise.all(alike.map((n) => store.accounts.register(n, 'h', 1)));
          expect(results.filter((r) => r === 'created')).toHaveLength(1);
          expect(results.filter((r) => r === 'look_alike')).toHaveLength(4);
          const created = await Promise.all(alike.map((n) => store.accounts.exists(n)));
          expect(created.filter(Boolean)).toHaveLength(1);
        }
      });

      it('search: names with the prefix in code-unit order, at most limit', async () => {
        await users('ab', 'a_b', 'aB', 'a1', 'a.b', 'a-b', 'b', 'Zed');
        expect(await store.accounts.search('a', 10)).toEqual(['a-b', 'a.b', 'a1', 'aB', 'a_b', 'ab']);
        expect(await store.accounts.search('a', 2)).toEqual(['a-b', 'a.b']);
        expect(await store.accounts.search('', 3)).toEqual(['Zed', 'a-b', 'a.b']);
        expect(await store.accounts.search('ab', 10)).toEqual(['ab']);
        expect(await store.accounts.search('c', 10)).toEqual([]);
      });
    });

    describe('lockout', () => {
      it('counts failures, locks at the policy maximum, keeps the lock while locked, resets', async () => {
        await users('leia');
        expect(await store.lockout.state('leia')).toEqual({ failures: 0, lockedUntil: 0 });
        expect(await store.lockout.recordFailure('leia', 100, LOCKOUT)).toEqual({
          failures: 1,
          lockedUntil: 0,
        });
        expect(await store.lockout.recordFailure('leia', 200, LOCKOUT)).toEqual({
          failures: 2,
          lockedUntil: 0,
        });
        const locked = await store.lockout.recordFailure('leia', 300, LOCKOUT);
        expect(locked).toEqual({ failures: 0, lockedUntil: 300 + LOCKOUT.lockMs });
        expect(await store.lockout.state('leia')).toEqual(locked);
        // A failure while locked (a racing attempt that passed its lock check earlier) keeps the lock
        // as it is, and counts as a try during it: only the locking failure returns 0.
        expect(await store.lockout.recordFailure('leia', 400, LOCKOUT)).toEqual({ ...locked, failures: 1 });
        expect(await store.lockout.recordFailure('leia', 300, LOCKOUT)).toEqual({ ...locked, failures: 2 });
        await store.lockout.reset('leia');
        expect(await store.lockout.state('leia')).toEqual({ failures: 0, lockedUntil: 0 });
        // After the lock has run out, counting starts from zero too.
        await store.lockout.recordFailure('leia', 500, { maxFailures: 1, lockMs: 10 });
        await store.lockout.recordFailure('leia', 505, LOCKOUT); // a try during that lock
        expect(await store.lockout.recordFailure('leia', 600, LOCKOUT)).toEqual({
          failures: 1,
          lockedUntil: 0,
        });
      });

      it('concurrent failures are each counted exactly once', async () => {
        await users('leia', 'luke');
        const many = { maxFailures: 1000, lockMs: 1000 };
        const counts = await Promise.all(
          Array.from({ length: 40 }, () => store.lockout.recordFailure('leia', 1, many)),
        );
        expect(counts.map((s) => s.failures).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
        expect(await store.lockout.state('leia')).toEqual({ failures: 40, lockedUntil: 0 });

        // Nine concurrent failures in the same millisecond under a limit of three: the third locks,
        // the lock holds, and exactly one of them is told it locked (failures 0).
        const states = await Promise.all(
          Array.from({ length: 9 }, () => store.lockout.recordFailure('luke', 5, LOCKOUT)),
        );
        const locked = states.filter((s) => s.lockedUntil > 5);
        expect(locked).toHaveLength(7);
        expect(locked.every((s) => s.lockedUntil === 5 + LOCKOUT.lockMs)).toBe(true);
        expect(locked.map((s) => s.failures).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
        expect(await store.lockout.state('luke')).toEqual({ failures: 6, lockedUntil: 5 + LOCKOUT.lockMs });
      });
    });

    describe('blocks', () => {
      it('add, isBlocked, blocksOf (sorted), blockersOf, remove', async () => {
        await users('leia', 'luke', 'han', 'yoda');
        await store.blocks.add('leia', 'yoda');
        await store.blocks.add('leia', 'han');
        await store.blocks.add('leia', 'han'); // twice is once
        await store.blocks.add('luke', 'han');
        expect(await store.blocks.isBlocked('leia', 'han')).toBe(true);
        expect(await store.blocks.isBlocked('han', 'leia')).toBe(false);
        expect(await store.blocks.blocksOf('leia')).toEqual(['han', 'yoda']);
        expect(await store.blocks.blocksOf('han')).toEqual([]);
        expect((await store.blocks.blockersOf('han')).sort()).toEqual(['leia', 'luke']);
        expect(await store.blocks.remove('leia', 'han')).toBe(true);
        expect(await store.blocks.remove('leia', 'han')).toBe(false);
        expect(await store.blocks.isBlocked('leia', 'han')).toBe(false);
        expect(await store.blocks.blockersOf('han')).toEqual(['luke']);
      });
    });

    describe('direct messages', () => {
      it('stores a message with a new, increasing id and returns it', async () => {
        await users('leia', 'luke');
        const first = await send('luke', 'leia', 'hello', { sentAt: 42 });
        const second = await send('leia', 'luke', 'hi', { sentAt: 43 });
        expect(first).toEqual({
          message: { id: expect.any(Number), from: 'luke', to: 'leia', text: 'hello', sentAt: 42 },
          duplicate: false,
        });
        expect('message' in first && 'message' in second && second.message.id > first.message.id).toBe(true);
      });

      it('keeps any text exactly: emoji, newlines, U+0000, the longest allowed', async () => {
        await users('leia', 'luke');
        const texts = [
          '😀 smile',
          'line 1\nline 2\r\n',
          'nul \u0000 inside',
          'ünïcödé',
          '😀'.repeat(TEXT_MAX_LENGTH),
        ];
        for (const text of texts) await send('luke', 'leia', text);
        const backlog = await store.messages.undeliveredAfter('leia', 0, 10);
        expect(backlog.map((m) => m.text)).toEqual(texts);
      });

      it('refuses an unknown recipient and a recipient who blocked the sender, and stores nothing', async () => {
        await users('leia', 'luke');
        expect(await send('luke', 'nobody', 'hi')).toEqual({ refused: 'unknown_user' });
        await store.blocks.add('leia', 'luke');
        expect(await send('luke', 'leia', 'hi')).toEqual({ refused: 'blocked_by_recipient' });
        // Blocks are one-way: leia, who blocked luke, can still write to him.
        expect(await send('leia', 'luke', 'you are blocked')).toMatchObject({ duplicate: false });
        expect(await store.messages.countUndelivered('leia')).toBe(0);
        await store.blocks.remove('leia', 'luke');
        expect(await send('luke', 'leia', 'again')).toMatchObject({ duplicate: false });
        expect(ids(await store.messages.undeliveredAfter('leia', 0, 10))).toHaveLength(1);
      });

      it('a retry with a clientId the sender used before returns the stored message and stores nothing', async () => {
        await users('leia', 'luke', 'han');
        const first = await send('luke', 'leia', 'once', { clientId: 'c-1', sentAt: 7 });
        expect(first).toMatchObject({ duplicate: false });
        const retry = await send('luke', 'leia', 'once', { clientId: 'c-1', sentAt: 9 });
        expect(retry).toEqual({ message: (first as { message: DirectMessage }).message, duplicate: true });
        // Another sender's client ids are its own.
        expect(await send('han', 'leia', 'mine', { clientId: 'c-1' })).toMatchObject({ duplicate: false });
        expect(await store.messages.countUndelivered('leia')).toBe(2);
        // A retry after the recipient blocked the sender still finds the first one.
        await store.blocks.add('leia', 'luke');
        expect(await send('luke', 'leia', 'once', { clientId: 'c-1' })).toMatchObject({ duplicate: true });
      });

      it('of concurrent sends with one clientId, one is stored and the others return it', async () => {
        await users('leia', 'luke');
        const results = await Promise.all(
          Array.from({ length: 8 }, () => send('luke', 'leia', 'race', { clientId: 'same' })),
        );
        const messages = results.map((r) => ('message' in r ? r : undefined));
        expect(messages.filter((r) => r?.duplicate === false)).toHaveLength(1);
        expect(new Set(messages.map((r) => r?.message.id)).size).toBe(1);
        expect(await store.messages.countUndelivered('leia')).toBe(1);
      });

      it('undeliveredAfter: unacknowledged messages to the recipient after an id, in id order, at most limit', async () => {
        await users('leia', 'luke', 'han');
        const a = await stored('luke', 'leia', 'a');
        await stored('leia', 'luke', 'to luke');
        const b = await stored('han', 'leia', 'b');
        const c = await stored('luke', 'leia', 'c');
        expect(await store.messages.undeliveredAfter('leia', 0, 10)).toEqual([a, b, c]);
        expect(await store.messages.undeliveredAfter('leia', a.id, 10)).toEqual([b, c]);
        expect(await store.messages.undeliveredAfter('leia', 0, 2)).toEqual([a, b]);
        expect(await store.messages.undeliveredAfter('leia', c.id, 10)).toEqual([]);
        expect(await store.messages.countUndelivered('leia')).toBe(3);
        expect(await store.messages.countUndelivered('han')).toBe(0);
      });

      it('acknowledge marks exactly the ids named, of that recipient only', async () => {
        await users('leia', 'luke');
        const [a, b, c] = [
          await stored('luke', 'leia', 'a'),
          await stored('luke', 'leia', 'b'),
          await stored('luke', 'leia', 'c'),
        ];
        const toLuke = await stored('leia', 'luke', 'x');
        await store.messages.acknowledge('leia', [b.id, toLuke.id, 999_999]);
        expect(await store.messages.undeliveredAfter('leia', 0, 10)).toEqual([a, c]);
        expect(await store.messages.undeliveredAfter('luke', 0, 10)).toEqual([toLuke]);
        await store.messages.acknowledge('leia', []);
        await store.messages.acknowledge('leia', [b.id]); // again: nothing changes
        expect(await store.messages.countUndelivered('leia')).toBe(2);
        await store.messages.acknowledge('leia', [c.id, a.id]);
        expect(await store.messages.countUndelivered('leia')).toBe(0);
        // Acknowledged messages stay in the history.
        expect(ids(await store.messages.historyPage('leia', 'luke', NEVER, 10))).toEqual([
          toLuke.id,
          c.id,
          b.id,
          a.id,
        ]);
      });

      it('historyPage: both directions of one conversation, newest first, before an id, at most limit', async () => {
        await users('leia', 'luke', 'han');
        const m1 = await stored('luke', 'leia', '1');
        const m2 = await stored('leia', 'luke', '2');
        await stored('han', 'leia', 'other conversation');
        const m3 = await stored('luke', 'leia', '3');
        expect(await store.messages.historyPage('leia', 'luke', NEVER, 10)).toEqual([m3, m2, m1]);
        expect(await store.messages.historyPage('luke', 'leia', NEVER, 10)).toEqual([m3, m2, m1]);
        expect(await store.messages.historyPage('leia', 'luke', NEVER, 2)).toEqual([m3, m2]);
        expect(await store.messages.historyPage('leia', 'luke', m2.id, 10)).toEqual([m1]);
        expect(await store.messages.historyPage('leia', 'yoda', NEVER, 10)).toEqual([]);
      });

      it('conversations: the most recently active first, with the last message and unread counts', async () => {
        await users('leia', 'luke', 'han', 'yoda');
        const l1 = await stored('luke', 'leia', 'l1');
        await stored('han', 'leia', 'h1');
        const h2 = await stored('han', 'leia', 'h2');
        const mine = await stored('leia', 'luke', 'reply');
        await stored('han', 'luke', 'not leia');
        expect(await store.messages.conversations('leia')).toEqual([
          { peer: 'luke', last: mine, unread: 1 },
          { peer: 'han', last: h2, unread: 2 },
        ]);
        expect(await store.messages.conversations('yoda')).toEqual([]);

        await store.messages.markRead('leia', 'han', h2.id);
        await store.messages.markRead('leia', 'luke', l1.id);
        await store.messages.markRead('leia', 'han', 1); // never back
        expect(await store.messages.conversations('leia')).toEqual([
          { peer: 'luke', last: mine, unread: 0 },
          { peer: 'han', last: h2, unread: 0 },
        ]);
        const h3 = await stored('han', 'leia', 'h3');
        expect(await store.messages.conversations('leia')).toEqual([
          { peer: 'han', last: h3, unread: 1 },
          { peer: 'luke', last: mine, unread: 0 },
        ]);
        // Read marks are per reader: luke's view is his own.
        expect((await store.messages.conversations('luke')).map((c) => [c.peer, c.unread])).toEqual([
          ['han', 1],
          ['leia', 1],
        ]);
      });
    });

    describe('receipts', () => {
      const state = (sender: string, recipient: string) => store.messages.receiptState(sender, recipient);

      it('acknowledge returns the senders of what it newly delivered', async () => {
        await users('leia', 'luke', 'han');
        const a = await stored('luke', 'leia', 'a');
        const b = await stored('han', 'leia', 'b');
        const c = await stored('luke', 'leia', 'c');
        expect((await store.messages.acknowledge('leia', [a.id, b.id, c.id])).senders.sort()).toEqual([
          'han',
          'luke',
        ]);
        const none = { senders: [], groups: [] };
        expect(await store.messages.acknowledge('leia', [a.id])).toEqual(none); // delivered already
        expect(await store.messages.acknowledge('leia', [])).toEqual(none);
      });

      it('delivered stops below the oldest message of the conversation not acknowledged', async () => {
        await users('leia', 'luke', 'han');
        expect(await state('luke', 'leia')).toMatchObject({ deliveredUpTo: 0, sharedReadUpTo: 0 });
        const a = await stored('luke', 'leia', 'a');
        const b = await stored('luke', 'leia', 'b');
        const other = await stored('han', 'leia', 'other sender');
        await store.messages.acknowledge('leia', [b.id, other.id]);
        expect((await state('luke', 'leia')).deliveredUpTo).toBe(a.id - 1);
        await store.messages.acknowledge('leia', [a.id]);
        expect((await state('luke', 'leia')).deliveredUpTo).toBeGreaterThanOrEqual(b.id);
        const reply = await stored('leia', 'luke', 'reply'); // the other direction counts for luke's view only
        expect((await state('luke', 'leia')).deliveredUpTo).toBeGreaterThanOrEqual(b.id);
        expect((await state('leia', 'luke')).deliveredUpTo).toBe(reply.id - 1);
      });

      it('markRead refuses a mark past the conversation and shares it only while receipts are on', async () => {
        await users('leia', 'luke', 'han');
        expect(await store.messages.markRead('leia', 'luke', 1)).toBe('unknown_message');
        const a = await stored('luke', 'leia', 'a');
        await stored('han', 'leia', 'newer, in another conversation');
        expect(await store.messages.markRead('leia', 'luke', a.id + 1)).toBe('unknown_message');
        expect((await store.messages.conversations('leia')).find((c) => c.peer === 'luke')?.unread).toBe(1);
        expect(await store.accounts.readReceipts('leia')).toBe(true);
        expect(await store.messages.markRead('leia', 'luke', a.id)).toBe('shared');
        expect((await state('luke', 'leia')).sharedReadUpTo).toBe(a.id);

        await store.accounts.setReadReceipts('leia', false);
        expect(await store.accounts.readReceipts('leia')).toBe(false);
        const b = await stored('luke', 'leia', 'b');
        expect(await store.messages.markRead('leia', 'luke', b.id)).toBe('private');
        expect((await store.messages.conversations('leia')).find((c) => c.peer === 'luke')?.unread).toBe(0);
        expect(await state('luke', 'leia')).toEqual({
          deliveredUpTo: 0,
          sharedReadUpTo: a.id,
          senderSharesReads: true,
          recipientBlocksSender: false,
        });
        await store.blocks.add('leia', 'luke');
        expect((await state('luke', 'leia')).recipientBlocksSender).toBe(true);
        expect(await store.accounts.readReceipts('nobody')).toBe(false);
      });
    });

    describe('edits, deletes and replies', () => {
      const edit = (id: number, sender: string, text: string, at = 2000, editableSince = 0) =>
        store.messages.changeDirect({ id, sender, text, at, editableSince });
      const remove = (id: number, sender: string, at = 3000) =>
        store.messages.changeDirect({ id, sender, at, delete: true });

      it('an edit by the sender changes the text everywhere, with an increasing editedAt and revision', async () => {
        await users('leia', 'luke');
        const m = await stored('leia', 'luke', 'helo');
        const first = await edit(m.id, 'leia', 'hello', 2000);
        expect(first).toEqual({ message: { ...m, text: 'hello', editedAt: 2000, revision: 1 }, revision: 1 });
        // Two edits in one millisecond still order: editedAt moves past the previous one.
        const second = await edit(m.id, 'leia', 'hello!', 2000);
        expect(second).toEqual({
          message: { ...m, text: 'hello!', editedAt: 2001, revision: 2 },
          revision: 2,
        });
        const now = { ...m, text: 'hello!', editedAt: 2001, revision: 2 };
        expect(await store.messages.messageById(m.id)).toEqual(now);
        expect(await store.messages.historyPage('luke', 'leia', NEVER, 10)).toEqual([now]);
        expect(await store.messages.undeliveredAfter('luke', 0, 10)).toEqual([now]);
        expect((await store.messages.conversations('luke'))[0]?.last).toEqual(now);
      });

      it('refuses another user, an unknown id, a deleted message and an edit outside the window', async () => {
        await users('leia', 'luke', 'han');
        const m = await stored('leia', 'luke', 'mine', 1000);
        expect(await edit(m.id, 'luke', 'x')).toEqual({ refused: 'not_yours' });
        expect(await remove(m.id, 'luke')).toEqual({ refused: 'not_yours' });
        expect(await edit(m.id, 'han', 'x')).toEqual({ refused: 'unknown_message' });
        expect(await remove(m.id + 100, 'leia')).toEqual({ refused: 'unknown_message' });
        expect(await edit(m.id, 'leia', 'late', 5000, 1001)).toEqual({ refused: 'edit_window_passed' });
        expect(await store.messages.messageById(m.id)).toEqual(m);

        expect(await remove(m.id, 'leia')).toMatchObject({ revision: 1 });
        expect(await remove(m.id, 'leia')).toEqual({ refused: 'message_deleted' });
        expect(await edit(m.id, 'leia', 'back')).toEqual({ refused: 'message_deleted' });
      });

      it('a delete erases the text and keeps id, sender, recipient and time, also after reopening', async () => {
        await users('leia', 'luke');
        const m = await stored('leia', 'luke', 'secret words');
        await edit(m.id, 'leia', 'secret words, edited');
        const deleted = { ...m, text: '', editedAt: 2000, deleted: true, revision: 2 };
        expect(await remove(m.id, 'leia')).toEqual({ message: deleted, revision: 2 });
        store = await fixture.reopen();
        expect(await store.messages.historyPage('leia', 'luke', NEVER, 10)).toEqual([deleted]);
      });

      it('changesAfter: changes to acknowledged messages until the recipient acknowledges the revision', async () => {
        await users('leia', 'luke');
        const a = await stored('leia', 'luke', 'a');
        const b = await stored('leia', 'luke', 'b');
        const unacked = await stored('leia', 'luke', 'c');
        await store.messages.acknowledge('luke', [a.id, b.id]);
        expect(await store.messages.changesAfter('luke', 0, 10)).toEqual([]);

        await edit(a.id, 'leia', 'a2');
        await remove(b.id, 'leia');
        await edit(unacked.id, 'leia', 'c2'); // comes with the message itself
        const changes = await store.messages.changesAfter('luke', 0, 10);
        expect(changes.map((c) => [c.message.id, c.message.text, c.revision])).toEqual([
          [a.id, 'a2', 1],
          [b.id, '', 1],
        ]);
        expect(ids((await store.messages.changesAfter('luke', a.id, 1)).map((c) => c.message))).toEqual([
          b.id,
        ]);
        expect(await store.messages.changesAfter('leia', 0, 10)).toEqual([]);

        // An acknowledgement of an older revision does not cover a newer one; another user's does nothing.
        await edit(a.id, 'leia', 'a3');
        await store.messages.acknowledgeChanges('luke', [{ id: a.id, revision: 1 }]);
        await store.messages.acknowledgeChanges('leia', [{ id: b.id, revision: 1 }]);
        expect(
          (await store.messages.changesAfter('luke', 0, 10)).map((c) => [c.message.id, c.revision]),
        ).toEqual([
          [a.id, 2],
          [b.id, 1],
        ]);
        await store.messages.acknowledgeChanges('luke', [
          { id: a.id, revision: 2 },
          { id: b.id, revision: 1 },
        ]);
        await store.messages.acknowledgeChanges('luke', [{ id: a.id, revision: 1 }]); // never back
        expect(await store.messages.changesAfter('luke', 0, 10)).toEqual([]);
      });

      it('a reply carries a quote of the original as it is now, cut to REPLY_EXCERPT_MAX', async () => {
        await users('leia', 'luke');
        const long = 'é'.repeat(REPLY_EXCERPT_MAX + 1);
        const original = await stored('leia', 'luke', long);
        const result = await store.messages.insertDirect({
          from: 'luke',
          to: 'leia',
          text: 'yes',
          sentAt: 1500,
          replyTo: original.id,
        });
        const quote = { id: original.id, from: 'leia', text: 'é'.repeat(REPLY_EXCERPT_MAX) };
        expect(result).toMatchObject({ message: { text: 'yes', replyTo: quote }, duplicate: false });
        if (!('message' in result)) throw new Error('refused');
        expect((await store.messages.historyPage('leia', 'luke', NEVER, 1))[0]).toEqual(result.message);

        await edit(original.id, 'leia', 'short');
        expect((await store.messages.messageById(result.message.id))?.replyTo).toEqual({
          ...quote,
          text: 'short',
        });
        await remove(original.id, 'leia');
        expect((await store.messages.undeliveredAfter('leia', 0, 10))[0]?.replyTo).toEqual({
          id: original.id,
          from: 'leia',
          text: '',
          deleted: true,
        });
        expect((await store.messages.conversations('leia'))[0]?.last.replyTo?.deleted).toBe(true);
      });
    });

    describe('reactions', () => {
      const react = (id: number, user: string, emoji: ReactionEmoji, add = true, at = 5000) =>
        store.messages.react({ id, user, emoji, add, at });

      it('either side reacts; each emoji lists its users in the order they reacted, in the set order', async () => {
        await users('leia', 'luke');
        const m = await stored('leia', 'luke', 'hello');
        expect(await react(m.id, 'luke', '😂', true, 5000)).toMatchObject({ revision: 1, changed: true });
        await react(m.id, 'leia', '👍', true, 5001);
        const both = await react(m.id, 'luke', '👍', true, 5002);
        const reactions = [
          { emoji: '👍', users: ['leia', 'luke'] },
          { emoji: '😂', users: ['luke'] },
        ];
        expect(both).toEqual({ message: { ...m, reactions, revision: 3 }, revision: 3, changed: true });
        store = await fixture.reopen();
        expect((await store.messages.historyPage('leia', 'luke', NEVER, 10))[0]?.reactions).toEqual(
          reactions,
        );
        expect((await store.messages.undeliveredAfter('luke', 0, 10))[0]?.reactions).toEqual(reactions);
        expect((await store.messages.conversations('luke'))[0]?.last.reactions).toEqual(reactions);
      });

      it('adding one already there or removing one not there changes nothing; removing the last drops the list', async () => {
        await users('leia', 'luke');
        const m = await stored('leia', 'luke', 'hello');
        await react(m.id, 'luke', '❤️');
        expect(await react(m.id, 'luke', '❤️')).toMatchObject({ revision: 1, changed: false });
        expect(await react(m.id, 'leia', '❤️', false)).toMatchObject({ revision: 1, changed: false });
        const removed = await react(m.id, 'luke', '❤️', false);
        expect(removed).toEqual({ message: { ...m, revision: 2 }, revision: 2, changed: true });
      });

      it('refuses a stranger, an unknown id, a deleted message and a user the other side blocked; changes nothing', async () => {
        await users('leia', 'luke', 'han');
        const m = await stored('leia', 'luke', 'hello');
        await react(m.id, 'luke', '🙏');
        expect(await react(m.id, 'han', '👍')).toEqual({ refused: 'unknown_message' });
        expect(await react(m.id + 100, 'leia', '👍')).toEqual({ refused: 'unknown_message' });
        await store.blocks.add('leia', 'luke');
        expect(await react(m.id, 'luke', '👍')).toEqual({ refused: 'blocked_by_recipient' });
        expect(await react(m.id, 'leia', '👍')).toMatchObject({ changed: true }); // the blocker may
        await store.blocks.remove('leia', 'luke');
        const before = await store.messages.messageById(m.id);
        expect(before?.reactions).toHaveLength(2);
        // A delete erases the reactions with the text; then none can be made.
        await store.messages.changeDirect({ id: m.id, sender: 'leia', at: 6000, delete: true });
        expect((await store.messages.messageById(m.id))?.reactions).toBeUndefined();
        expect(await react(m.id, 'luke', '👍')).toEqual({ refused: 'message_deleted' });
      });

      it('a reaction is pending for the other side only, whichever side made it, until it acknowledges the revision', async () => {
        await users('leia', 'luke');
        const m = await stored('leia', 'luke', 'hello');
        await store.messages.acknowledge('luke', [m.id]);
        await react(m.id, 'luke', '👍');
        expect(await store.messages.changesAfter('luke', 0, 10)).toEqual([]);
        const forSender = await store.messages.changesAfter('leia', 0, 10);
        expect(forSender.map((c) => [c.message.id, c.revision, c.message.reactions])).toEqual([
          [m.id, 1, [{ emoji: '👍', users: ['luke'] }]],
        ]);
        await store.messages.acknowledgeChanges('leia', [{ id: m.id, revision: 1 }]);
        expect(await store.messages.changesAfter('leia', 0, 10)).toEqual([]);

        await react(m.id, 'leia', '😮');
        expect(await store.messages.changesAfter('leia', 0, 10)).toEqual([]);
        expect((await store.messages.changesAfter('luke', 0, 10)).map((c) => c.revision)).toEqual([2]);
        // The sender's own edit is not pending for the sender.
        await store.messages.changeDirect({
          id: m.id,
          sender: 'leia',
          text: 'hello!',
          at: 7000,
          editableSince: 0,
        });
        expect(await store.messages.changesAfter('leia', 0, 10)).toEqual([]);
        expect((await store.messages.changesAfter('luke', 0, 10)).map((c) => c.revision)).toEqual([3]);
      });

      it('changesAfter pages both sides of the conversations in id order', async () => {
        await users('leia', 'luke', 'han');
        const mine = await stored('leia', 'luke', 'from leia');
        const theirs = await stored('han', 'leia', 'to leia');
        const later = await stored('leia', 'han', 'from leia again');
        await store.messages.acknowledge('leia', [theirs.id]);
        await react(later.id, 'han', '👍');
        await store.messages.changeDirect({
          id: theirs.id,
          sender: 'han',
          text: 'to leia!',
          at: 7000,
          editableSince: 0,
        });
        await react(mine.id, 'luke', '👍');
        expect(ids((await store.messages.changesAfter('leia', 0, 10)).map((c) => c.message))).toEqual([
          mine.id,
          theirs.id,
          later.id,
        ]);
        expect(ids((await store.messages.changesAfter('leia', 0, 2)).map((c) => c.message))).toEqual([
          mine.id,
          theirs.id,
        ]);
        expect(ids((await store.messages.changesAfter('leia', theirs.id, 2)).map((c) => c.message))).toEqual([
          later.id,
        ]);
      });
    });

    describe('groups', () => {
      const LIMITS = { maxMembers: 4, maxCreated: 2 };
      async function group(creator: string, members: string[]) {
        const made = await store.groups.create({ name: 'Rebels', creator, members, at: 5 }, LIMITS);
        if ('refused' in made) throw new Error(`refused: ${made.refused}`);
        return made;
      }
      async function post(from: string, id: number, text: string) {
        const result = await store.groups.insertMessage({ from, group: id, text, sentAt: 1000 });
        if ('refused' in result) throw new Error(`refused: ${result.refused}`);
        return result;
      }

      it('a group is visible to its members only; its creator is its first admin', async () => {
        await users('leia', 'luke', 'han');
        const g = await group('leia', ['luke', 'leia']);
        expect(g.members).toEqual([
          { name: 'leia', admin: true },
          { name: 'luke', admin: false },
        ]);
        expect(await store.groups.get(g.id, 'luke')).toEqual(g);
        expect(await store.groups.get(g.id, 'han')).toBeUndefined();
        expect(await store.groups.add(g.id, 'luke', ['han'], LIMITS)).toEqual({ refused: 'not_admin' });
        expect(await store.groups.add(g.id, 'han', ['han'], LIMITS)).toEqual({ refused: 'unknown_group' });
        await group('leia', ['luke']);
        expect(
          await store.groups.create({ name: 'x', creator: 'leia', members: ['luke'], at: 5 }, LIMITS),
        ).toEqual({
          refused: 'too_many_groups',
        });
      });

      it('concurrent adds never pass the member limit', async () => {
        await users('leia', 'a', 'b', 'c', 'd', 'e');
        const g = await group('leia', ['a']);
        await Promise.all(['b', 'c', 'd', 'e'].map((name) => store.groups.add(g.id, 'leia', [name], LIMITS)));
        expect((await store.groups.get(g.id, 'leia'))?.members).toHaveLength(LIMITS.maxMembers);
      });

      it('a message is one row, delivered to every other member who has not blocked the sender', async () => {
        await users('leia', 'luke', 'han');
        const g = await group('leia', ['luke', 'han']);
        await store.blocks.add('han', 'luke');
        const direct = await stored('leia', 'luke', 'direct');
        const { message, recipients } = await post('luke', g.id, 'to the group');
        expect(message).toEqual({
          id: message.id,
          from: 'luke',
          group: g.id,
          text: 'to the group',
          sentAt: 1000,
        });
        expect(recipients).toEqual(['leia']);
        expect(await store.messages.undeliveredAfter('leia', 0, 10)).toEqual([message]);
        expect(await store.messages.undeliveredAfter('han', 0, 10)).toEqual([]);
        expect(await store.messages.countUndelivered('leia')).toBe(1);
        const mine = await post('leia', g.id, 'hello');
        expect(await store.messages.undeliveredAfter('luke', 0, 10)).toEqual([direct, mine.message]);
        expect(await store.messages.acknowledge('luke', [direct.id, mine.message.id])).toEqual({
          senders: ['leia'],
          groups: [{ sender: 'leia', group: g.id }],
        });
        expect(await store.messages.countUndelivered('luke')).toBe(0);
        expect(await store.groups.historyPage(g.id, 'han', NEVER, 10)).toEqual([mine.message]);
        expect(await store.groups.historyPage(g.id, 'leia', NEVER, 10)).toEqual([mine.message, message]);
        expect(
          await store.groups.insertMessage({ from: 'nobody', group: g.id, text: 'x', sentAt: 1 }),
        ).toEqual({
          refused: 'unknown_group',
        });
        expect(await store.groups.historyPage(g.id, 'leia', NEVER, 10)).toHaveLength(2);
      });

      it('a removed member loses its pending deliveries; the last admin leaving hands the group on', async () => {
        await users('leia', 'luke', 'han');
        const g = await group('leia', ['luke', 'han']);
        await post('leia', g.id, 'pending');
        expect(await store.groups.remove(g.id, 'leia', 'luke')).toMatchObject({
          members: [
            { name: 'han', admin: false },
            { name: 'leia', admin: true },
          ],
        });
        expect(await store.messages.undeliveredAfter('luke', 0, 10)).toEqual([]);
        expect(await store.groups.conversations('luke')).toEqual([]);
        expect(await store.groups.leave(g.id, 'leia')).toMatchObject({
          members: [{ name: 'han', admin: true }],
        });
        expect(await store.groups.leave(g.id, 'leia')).toEqual({ refused: 'unknown_group' });
      });

      it('a change of a group message stays pending for members who had it, until acknowledged', async () => {
        await users('leia', 'luke');
        const g = await group('leia', ['luke']);
        const { message } = await post('leia', g.id, 'helo');
        await store.messages.acknowledge('luke', [message.id]);
        const changed = await store.messages.changeDirect({
          id: message.id,
          sender: 'leia',
          at: 2000,
          text: 'hello',
          editableSince: 0,
        });
        expect(changed).toMatchObject({ revision: 1, message: { text: 'hello', group: g.id } });
        expect(await store.groups.recipientsOf(message.id)).toEqual(['luke']);
        const edited = { ...message, text: 'hello', editedAt: 2000, revision: 1 };
        expect(await store.messages.changesAfter('luke', 0, 10)).toEqual([{ message: edited, revision: 1 }]);
        // Its sender made the change: nothing pending for it.
        expect(await store.messages.changesAfter('leia', 0, 10)).toEqual([]);
        await store.messages.acknowledgeChanges('luke', [{ id: message.id, revision: 1 }]);
        expect(await store.messages.changesAfter('luke', 0, 10)).toEqual([]);
        expect(await store.groups.markRead('luke', g.id, message.id + 1)).toBe('unknown_message');
        expect(await store.groups.markRead('luke', g.id, message.id)).toEqual({
          shared: true,
          senders: ['leia'],
        });
        expect(await store.groups.conversations('luke')).toEqual([{ group: g, last: edited, unread: 0 }]);
      });

      it("group receipts: each member's run of the sender's messages, delivered exactly, reads while shared", async () => {
        await users('leia', 'luke', 'han', 'rey');
        const g = await group('leia', ['luke', 'han']);
        const receipts = async () => (await store.groups.receipts('leia', g.id)).members;
        expect(await receipts()).toEqual([]);
        const a = (await post('leia', g.id, 'a')).message;
        const b = (await post('leia', g.id, 'b')).message;
        await store.groups.add(g.id, 'leia', ['rey'], LIMITS);
        const c = (await post('leia', g.id, 'c')).message;
        // Acks out of order: han's delivered mark stops below its oldest unacknowledged message.
        expect(await store.messages.acknowledge('han', [b.id, c.id])).toMatchObject({
          groups: [{ sender: 'leia', group: g.id }],
        });
        await store.messages.acknowledge('luke', [a.id, b.id, c.id]);
        expect(await store.groups.markRead('luke', g.id, b.id)).toEqual({ shared: true, senders: ['leia'] });
        await store.accounts.setReadReceipts('han', false);
        expect(await store.groups.markRead('han', g.id, c.id)).toEqual({ shared: false, senders: [] });
        const base = { sharedReadUpTo: 0, memberBlocksSender: false };
        expect(await receipts()).toEqual([
          { ...base, member: 'han', since: a.id, deliveredUpTo: a.id - 1 },
          { ...base, member: 'luke', since: a.id, deliveredUpTo: c.id, sharedReadUpTo: b.id },
          { ...base, member: 'rey', since: c.id, deliveredUpTo: c.id - 1 },
        ]);
        // luke blocks leia: the next message is not sent to luke, whose run starts again after it.
        await store.blocks.add('luke', 'leia');
        const d = (await post('leia', g.id, 'd')).message;
        expect((await receipts()).map((m) => m.member)).toEqual(['han', 'rey']);
        await store.blocks.remove('luke', 'leia');
        const e = (await post('leia', g.id, 'e')).message;
        expect((await receipts()).find((m) => m.member === 'luke')).toMatchObject({ since: e.id });
        expect(d.id).toBeLessThan(e.id);
        // Leaving drops the run with the deliveries, and a sender's own runs; a member's mark at a
        // message it was never shown is refused.
        await store.groups.leave(g.id, 'rey');
        expect((await receipts()).map((m) => m.member)).toEqual(['han', 'luke']);
        await post('luke', g.id, 'from luke');
        expect((await store.groups.receipts('luke', g.id)).members).toHaveLength(2);
        await store.groups.leave(g.id, 'luke');
        expect((await store.groups.receipts('luke', g.id)).members).toEqual([]);
        expect(await store.groups.markRead('han', g.id, 999_999)).toBe('unknown_message');
        const other = await stored('leia', 'han', 'direct');
        expect(await store.groups.markRead('han', g.id, other.id)).toBe('unknown_message');
      });

      it('a current member reacts to a group message; pending for the others who have it, not the reactor', async () => {
        await users('leia', 'luke', 'han');
        const g = await group('leia', ['luke', 'han']);
        const { message } = await post('leia', g.id, 'hello');
        await store.messages.acknowledge('luke', [message.id]);
        await store.messages.acknowledge('han', [message.id]);
        const reacted = await store.messages.react({
          id: message.id,
          user: 'luke',
          emoji: '👍',
          add: true,
          at: 2,
        });
        const reactions = [{ emoji: '👍', users: ['luke'] }];
        expect(reacted).toEqual({
          message: { ...message, reactions, revision: 1 },
          revision: 1,
          changed: true,
        });
        expect(await store.messages.changesAfter('luke', 0, 10)).toEqual([]);
        for (const other of ['leia', 'han']) {
          const pending = await store.messages.changesAfter(other, 0, 10);
          expect(pending.map((c) => [c.revision, c.message.reactions])).toEqual([[1, reactions]]);
        }
        expect(await store.groups.recipientsOf(message.id)).toEqual(expect.arrayContaining(['luke', 'han']));
      });

      it('a group reaction is refused to a stranger, a former member and on a blocked sender’s message; nothing changes', async () => {
        await users('leia', 'luke', 'han', 'lando');
        const g = await group('leia', ['luke', 'han']);
        const { message } = await post('leia', g.id, 'hello');
        const react = (user: string) =>
          store.messages.react({ id: message.id, user, emoji: '👍', add: true, at: 2 });
        expect(await react('lando')).toEqual({ refused: 'unknown_message' });
        await store.groups.leave(g.id, 'han');
        expect(await react('han')).toEqual({ refused: 'unknown_message' });
        await store.blocks.add('luke', 'leia');
        expect(await react('luke')).toEqual({ refused: 'unknown_message' });
        expect(await store.messages.messageById(message.id)).toEqual(message);
        // The sender's own block of a member refuses nothing: there is no recipient to protect.
        await store.blocks.add('leia', 'luke');
        await store.blocks.remove('luke', 'leia');
        expect(await react('luke')).toMatchObject({ changed: true });
      });

      it('a sender who left is no longer pending reactions to its group messages', async () => {
        await users('leia', 'luke', 'han');
        const g = await group('leia', ['luke', 'han']);
        const { message } = await post('luke', g.id, 'bye');
        await store.groups.leave(g.id, 'luke');
        await store.messages.react({ id: message.id, user: 'han', emoji: '😢', add: true, at: 2 });
        expect(await store.messages.changesAfter('luke', 0, 10)).toEqual([]);
      });

      it('an emoji with more than REACTION_USERS_MAX users lists the first ones and counts them all', async () => {
        const many = Array.from(
          { length: REACTION_USERS_MAX + 2 },
          (_, i) => `u${String(i).padStart(3, '0')}`,
        );
        await users('leia', ...many);
        const made = await store.groups.create(
          { name: 'Crowd', creator: 'leia', members: many, at: 5 },
          { maxMembers: GROUP_MEMBERS_MAX, maxCreated: 2 },
        );
        if ('refused' in made) throw new Error(made.refused);
        const { message } = await post('leia', made.id, 'vote');
        for (const [i, user] of many.entries())
          await store.messages.react({ id: message.id, user, emoji: '🙏', add: true, at: 10 + i });
        const [reaction] = (await store.messages.messageById(message.id))?.reactions ?? [];
        expect(reaction).toEqual({
          emoji: '🙏',
          users: many.slice(0, REACTION_USERS_MAX),
          count: many.length,
        });
      });
    });

    describe('broadcasts and presence', () => {
      it('a broadcast reaches whoever was online when it was stored, except the excluded, and its sender', async () => {
        await users('leia', 'luke', 'han', 'yoda', 'lando');
        await store.presence.online('leia', 10);
        await store.presence.online('luke', 10);
        await store.presence.online('han', 10);
        await store.presence.online('yoda', 10);
        await store.presence.offline('yoda', 11);
        const id = await store.broadcasts.insert({
          from: 'leia',
          text: 'hello all',
          sentAt: 12,
          excluded: ['han'],
        });
        await store.presence.online('lando', 13);
        const message = { id, from: 'leia', text: 'hello all', sentAt: 12 };
        expect(await store.broadcasts.page('leia', NEVER, 10)).toEqual([message]);
        expect(await store.broadcasts.page('luke', NEVER, 10)).toEqual([message]);
        expect(await store.broadcasts.page('han', NEVER, 10)).toEqual([]); // excluded
        expect(await store.broadcasts.page('yoda', NEVER, 10)).toEqual([]); // offline by then
        expect(await store.broadcasts.page('lando', NEVER, 10)).toEqual([]); // online only after
      });

      it('pages newest first, before an id, at most limit, across several online spans', async () => {
        await users('leia', 'luke');
        await store.presence.online('leia', 1);
        await store.presence.online('luke', 1);
        const b1 = await store.broadcasts.insert({ from: 'leia', text: '1', sentAt: 1, excluded: [] });
        await store.presence.offline('luke', 2);
        const missed = await store.broadcasts.insert({
          from: 'leia',
          text: 'missed',
          sentAt: 3,
          excluded: [],
        });
        await store.presence.online('luke', 4);
        const b3 = await store.broadcasts.insert({ from: 'leia', text: '3', sentAt: 5, excluded: [] });
        const b4 = await store.broadcasts.insert({ from: 'luke', text: '4', sentAt: 6, excluded: [] });
        expect(ids(await store.broadcasts.page('luke', NEVER, 10))).toEqual([b4, b3, b1]);
        expect(ids(await store.broadcasts.page('luke', NEVER, 2))).toEqual([b4, b3]);
        expect(ids(await store.broadcasts.page('luke', b3, 10))).toEqual([b1]);
        expect(ids(await store.broadcasts.page('leia', NEVER, 10))).toEqual([b4, b3, missed, b1]);
        expect(b1 < missed && missed < b3 && b3 < b4).toBe(true);
      });

      it('online closes a stale span of the user first: nothing is listed twice or after going offline', async () => {
        await users('leia', 'luke');
        await store.presence.online('luke', 1);
        await store.presence.online('luke', 2); // a second login whose first was never closed
        const b1 = await store.broadcasts.insert({ from: 'leia', text: 'once', sentAt: 3, excluded: [] });
        await store.presence.offline('luke', 4);
        await store.broadcasts.insert({ from: 'leia', text: 'gone', sentAt: 5, excluded: [] });
        expect(ids(await store.broadcasts.page('luke', NEVER, 10))).toEqual([b1]);
      });

      it('everyoneOffline ends every open span: later broadcasts reach nobody who was online before', async () => {
        await users('leia', 'luke', 'han');
        await store.presence.online('leia', 1);
        await store.presence.online('luke', 1);
        const before = await store.broadcasts.insert({
          from: 'leia',
          text: 'before',
          sentAt: 2,
          excluded: [],
        });
        await store.presence.everyoneOffline();
        await store.presence.online('han', 3);
        const after = await store.broadcasts.insert({ from: 'han', text: 'after', sentAt: 4, excluded: [] });
        expect(ids(await store.broadcasts.page('luke', NEVER, 10))).toEqual([before]);
        expect(ids(await store.broadcasts.page('han', NEVER, 10))).toEqual([after]);
      });

      it('seenSince lists users last seen at or after a time; last seen never moves back', async () => {
        await users('leia', 'luke', 'han');
        await store.presence.online('leia', 100);
        await store.presence.online('luke', 200);
        await store.presence.offline('luke', 300);
        await store.presence.online('han', 50);
        expect((await store.presence.seenSince(100)).sort()).toEqual(['leia', 'luke']);
        expect((await store.presence.seenSince(250)).sort()).toEqual(['luke']);
        expect((await store.presence.seenSince(0)).sort()).toEqual(['han', 'leia', 'luke']);
        await store.presence.offline('luke', 150); // a late, older report
        expect(await store.presence.seenSince(250)).toEqual(['luke']);
      });
    });

    it('reopening the store keeps everything; close is safe to call twice', async () => {
      await users('leia', 'luke', 'han');
      await store.accounts.setPasswordHash('leia', 'new-hash');
      await store.lockout.recordFailure('luke', 1, LOCKOUT);
      await store.blocks.add('leia', 'luke');
      const a = await stored('leia', 'luke', 'a');
      const b = await stored('leia', 'luke', 'b');
      await store.messages.acknowledge('luke', [a.id]);
      await store.messages.markRead('luke', 'leia', a.id);
      await store.presence.online('luke', 77);
      const broadcast = await store.broadcasts.insert({
        from: 'luke',
        text: 'bye',
        sentAt: 78,
        excluded: [],
      });
      await store.presence.offline('luke', 79);
      // Closing finishes the writes already made; closing twice is fine.
      const pending = Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.messages.insertDirect({ from: 'han', to: 'leia', text: `p${i}`, sentAt: 80 }),
        ),
      );
      await store.close();
      await store.close();
      await pending;

      store = await fixture.reopen();
      expect(await store.accounts.passwordHash('leia')).toBe('new-hash');
      expect(await store.accounts.register('LUKE', 'h', 1)).toBe('look_alike');
      expect(await store.lockout.state('luke')).toEqual({ failures: 1, lockedUntil: 0 });
      expect(await store.blocks.blocksOf('leia')).toEqual(['luke']);
      expect(await store.messages.undeliveredAfter('luke', 0, 10)).toEqual([b]);
      expect(await store.messages.historyPage('luke', 'leia', NEVER, 10)).toEqual([b, a]);
      expect(await store.messages.conversations('luke')).toEqual([{ peer: 'leia', last: b, unread: 1 }]);
      expect(await store.broadcasts.page('luke', NEVER, 10)).toEqual([
        { id: broadcast, from: 'luke', text: 'bye', sentAt: 78 },
      ]);
      expect(await store.presence.seenSince(79)).toEqual(['luke']);
      const kept = (await store.messages.undeliveredAfter('leia', 0, 100)).map((m) => m.text);
      expect(kept.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`).sort());
      // Ids keep increasing after a restart.
      const c = await stored('leia', 'luke', 'c');
      expect(c.id).toBeGreaterThan(b.id);
      expect(
        await store.broadcasts.insert({ from: 'leia', text: 'x', sentAt: 80, excluded: [] }),
      ).toBeGreaterThan(broadcast);
    });
  });
}
