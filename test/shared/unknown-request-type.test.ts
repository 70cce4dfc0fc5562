/**
 * Regressions found by the fuzzer (fuzz/shared/validate.fuzz.ts): an unknown request type was
 * echoed with JSON.stringify, which threw on a deeply nested value and echoed a long one whole.
 */
import { describe, expect, it } from 'vitest';
import { parseRequestFrame } from '../../src/shared/validate.js';

describe('a request with an unknown type', () => {
  it('answers a deeply nested type with unknown_type instead of throwing', () => {
    const depth = 20_000;
    const line = `{"type":${'['.repeat(depth)}${']'.repeat(depth)},"id":5}`;
    expect(parseRequestFrame(line)).toEqual({
      ok: false,
      id: 5,
      error: { code: 'unknown_type', message: 'unknown request type (an array)' },
    });
  });

  it('names a long type by its first 32 characters only', () => {
    const type = 'lo'.repeat(1000);
    const parsed = parseRequestFrame(JSON.stringify({ type, id: 6 }));
    expect(parsed).toEqual({
      ok: false,
      id: 6,
      error: { code: 'unknown_type', message: `unknown request type "${'lo'.repeat(16)}…"` },
    });
  });

  it('still names a short unknown type, and says what a non-string type is', () => {
    const message = (type: unknown): string | undefined => {
      const parsed = parseRequestFrame(JSON.stringify({ type, id: 7 }));
      return parsed.ok ? undefined : parsed.error.message;
    };
    expect(message('sendfile')).toBe('unknown request type "sendfile"');
    expect(message({ a: 1 })).toBe('unknown request type (an object)');
    expect(message(12)).toBe('unknown request type 12');
    expect(message(null)).toBe('unknown request type null');
    expect(message(undefined)).toBe('unknown request type undefined');
  });
});
