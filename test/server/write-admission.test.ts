/**
 * WriteAdmission on its own (server/write-admission.ts): the order in which waiting writes get
 * their slot, and retryAfterMs as the time the writes ahead take at the recent rate. Writes are
 * promises the test settles; the clock is one the test moves.
 */
import { describe, expect, it } from 'vitest';
import { RequestError } from '../../server/errors.js';
import { MAX_RETRY_AFTER_MS, MIN_RETRY_AFTER_MS, WriteAdmission } from '../../server/write-admission.js';

/** Writes that finish when the test says so. */
function heldWrites() {
  const finishers: (() => void)[] = [];
  return {
    write: () => new Promise<void>((resolve) => finishers.push(resolve)),
    finishOldest: () => finishers.shift()?.(),
    get held() {
      return finishers.length;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function refusal(admission: WriteAdmission, write: () => Promise<void>): Promise<RequestError> {
  const error = await admission.admit(write).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RequestError)) throw new Error(`expected a RequestError, got ${String(error)}`);
  return error;
}

describe('WriteAdmission', () => {
  it('gives freed slots to the waiting writes first come first served', async () => {
    const admission = new WriteAdmission(2, 60_000);
    const writes = heldWrites();
    const order: number[] = [];
    const all = [1, 2, 3, 4, 5].map((n) =>
      admission.admit(() => writes.write().then(() => void order.push(n))),
    );
    await tick();
    expect([admission.pending, admission.queued, writes.held]).toEqual([2, 3, 2]);
    for (let i = 0; i < 5; i++) {
      writes.finishOldest();
      await tick();
    }
    await Promise.all(all);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect([admission.pending, admission.queued]).toEqual([0, 0]);
  });

  it('answers retryAfterMs as the writes ahead over the recent rate, within bounds', async () => {
    let now = 0;
    const admission = new WriteAdmission(40, 0, () => now);
    const longest = heldWrites();
    const writes = heldWrites();
    // One write stays in flight throughout (under load some always are), while 100 others finish
    // over 500 ms: 0.2 per millisecond.
    const lasting = admission.admit(longest.write);
    for (let i = 0; i < 100; i++) {
      const done = admission.admit(writes.write);
      await tick();
      now += 5;
      writes.finishOldest();
      await done;
    }
    // Forty in flight: the next is refused at once, told 40 / 0.2 = 200 ms.
    const inFlight = Array.from({ length: 39 }, () => admission.admit(writes.write));
    await tick();
    const refused = await refusal(admission, writes.write);
    expect(refused.code).toBe('busy');
    expect(refused.extra.retryAfterMs).toBe(200);
    // Nothing finishes for 5 s: a stall, so the estimate grows, up to its cap.
    now += 5000;
    expect((await refusal(admission, writes.write)).extra.retryAfterMs).toBe(MAX_RETRY_AFTER_MS);
    for (let i = 0; i < 39; i++) writes.finishOldest();
    longest.finishOldest();
    await Promise.all([...inFlight, lasting]);
  });

  it('never answers less than the minimum', async () => {
    let now = 0;
    const admission = new WriteAdmission(1, 0, () => now);
    const writes = heldWrites();
    const first = admission.admit(writes.write);
    await tick();
    now += 1;
    expect((await refusal(admission, writes.write)).extra.retryAfterMs).toBe(MIN_RETRY_AFTER_MS);
    writes.finishOldest();
    await first;
  });

  it('refuses a write that waited maxWaitMs, and lets the next in line through', async () => {
    const admission = new WriteAdmission(1, 20);
    const writes = heldWrites();
    const first = admission.admit(writes.write);
    await tick();
    const waiting = admission.admit(writes.write).then(
      () => 'admitted',
      (error: unknown) => (error instanceof RequestError ? error.code : 'other'),
    );
    expect(await waiting).toBe('busy');
    expect(admission.queued).toBe(0);
    const next = admission.admit(writes.write);
    writes.finishOldest();
    await first;
    await tick();
    expect(admission.pending).toBe(1);
    writes.finishOldest();
    await next;
  });
});
