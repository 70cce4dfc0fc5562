/** The KDF gate (server/kdf-gate.ts): bounded concurrency, arrival order, a bounded wait. */
import { describe, expect, it } from 'vitest';
import { RequestError } from '../../server/errors.js';
import { KdfGate, defaultKdfConcurrency } from '../../server/kdf-gate.js';

/** A task the test finishes by hand; counts how many such tasks run at once. */
class Tasks {
  running = 0;
  peak = 0;
  readonly started: number[] = [];
  private readonly finishers = new Map<number, () => void>();

  task(n: number): () => Promise<number> {
    return () =>
      new Promise<number>((resolve) => {
        this.running++;
        this.peak = Math.max(this.peak, this.running);
        this.started.push(n);
        this.finishers.set(n, () => {
          this.running--;
          resolve(n);
        });
      });
  }

  finish(n: number): void {
    const finisher = this.finishers.get(n);
    if (!finisher) throw new Error(`task ${n} has not started`);
    finisher();
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('KdfGate', () => {
  it('runs at most `concurrency` tasks at once, the others in arrival order', async () => {
    const gate = new KdfGate({ concurrency: 2, maxWaitMs: 60_000, maxWaiting: 100 });
    const tasks = new Tasks();
    const results = Array.from({ length: 6 }, (_, n) => gate.run(tasks.task(n)));
    await settle();
    expect(tasks.started).toEqual([0, 1]);
    expect(gate.waiting).toBe(4);
    for (const n of [1, 0, 2, 3, 4, 5]) {
      tasks.finish(n);
      await settle();
    }
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tasks.started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tasks.peak).toBe(2);
    expect(gate.active).toBe(0);
  });

  it('refuses with rate_limited and a retryAfterMs once maxWaiting attempts wait', async () => {
    const gate = new KdfGate({ concurrency: 1, maxWaitMs: 60_000, maxWaiting: 2 });
    const tasks = new Tasks();
    const admitted = [0, 1, 2].map((n) => gate.run(tasks.task(n)));
    const refused = gate.run(tasks.task(3));
    await expect(refused).rejects.toBeInstanceOf(RequestError);
    const error = (await refused.catch((e: unknown) => e)) as RequestError;
    expect(error.code).toBe('rate_limited');
    expect(error.extra.retryAfterMs).toBeGreaterThan(0);
    await settle();
    for (const n of [0, 1, 2]) {
      tasks.finish(n);
      await settle();
    }
    expect(await Promise.all(admitted)).toEqual([0, 1, 2]);
    expect(tasks.started).toEqual([0, 1, 2]);
  });

  it('refuses an attempt whose estimated wait is over maxWaitMs, telling it how long to wait', async () => {
    let clock = 0;
    const gate = new KdfGate({ concurrency: 1, maxWaitMs: 100, maxWaiting: 1000 }, () => clock);
    const tasks = new Tasks();
    // One derivation of 60 ms teaches the gate what a derivation costs.
    const teacher = gate.run(tasks.task(0));
    await settle();
    clock += 60;
    tasks.finish(0);
    await teacher;
    const running = gate.run(tasks.task(1));
    const next = gate.run(tasks.task(2)); // would wait one derivation, 60 ms: admitted
    const error = (await gate.run(tasks.task(3)).catch((e: unknown) => e)) as RequestError;
    expect(error.code).toBe('rate_limited'); // two derivations, 120 ms: refused
    expect(error.extra.retryAfterMs).toBe(100);
    await settle();
    tasks.finish(1);
    await settle();
    tasks.finish(2);
    expect(await Promise.all([running, next])).toEqual([1, 2]);
  });

  it('frees the slot of a task that throws', async () => {
    const gate = new KdfGate({ concurrency: 1, maxWaitMs: 60_000, maxWaiting: 10 });
    const failing = gate.run(() => {
      throw new RequestError('account_locked', 'locked');
    });
    const next = gate.run(() => Promise.resolve('derived'));
    await expect(failing).rejects.toMatchObject({ code: 'account_locked' });
    expect(await next).toBe('derived');
    expect(gate.active).toBe(0);
  });

  it('leaves two of libuv threads free and the event loop a core', () => {
    expect(defaultKdfConcurrency(4, 16)).toBe(2);
    expect(defaultKdfConcurrency(4, 2)).toBe(1);
    expect(defaultKdfConcurrency(16, 8)).toBe(7);
    expect(defaultKdfConcurrency(2, 1)).toBe(1);
    expect(() => new KdfGate({ concurrency: 0, maxWaitMs: 1, maxWaiting: 1 })).toThrow(RangeError);
  });
});
