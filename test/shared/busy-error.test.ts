/** A `busy` error is only valid with a positive retryAfterMs: a client must know when to resend. */
import { describe, expect, it } from 'vitest';
import { parseServerFrame } from '../../src/shared/validate.js';

const reply = (error: Record<string, unknown>) =>
  JSON.stringify({ type: 'reply', id: 7, ok: false, error: { code: 'busy', message: 'busy', ...error } });

describe('busy error frames', () => {
  it('are valid with a positive retryAfterMs', () => {
    expect(parseServerFrame(reply({ retryAfterMs: 120 })).ok).toBe(true);
  });

  it.each([{}, { retryAfterMs: 0 }, { retryAfterMs: -5 }, { retryAfterMs: 1.5 }])(
    'are refused with %j',
    (extra) => {
      const parsed = parseServerFrame(reply(extra));
      expect(parsed.ok).toBe(false);
    },
  );

  it('leave other codes free to omit retryAfterMs', () => {
    const frame = JSON.stringify({
      type: 'reply',
      id: 7,
      ok: false,
      error: { code: 'unavailable', message: 'x' },
    });
    expect(parseServerFrame(frame).ok).toBe(true);
  });
});
