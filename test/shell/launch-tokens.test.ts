/** The browser shell's one-time launch tokens (src/browser-shell/launch-tokens.ts), on a fake clock. */
import { describe, expect, it } from 'vitest';
import { LaunchTokens } from '../../src/browser-shell/launch-tokens.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('launch tokens', () => {
  it('open once: a second redemption and a foreign token are refused', () => {
    const tokens = new LaunchTokens();
    const token = tokens.issue(60_000);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.issue(60_000)).not.toBe(token);
    expect(tokens.redeem(token)).toBe('ok');
    expect(tokens.redeem(token)).toBe('used');
    expect(tokens.redeem(`${token}x`)).toBe('unknown');
    expect(tokens.redeem('')).toBe('unknown');
  });

  it('die at the end of their lifetime', () => {
    const time = clock();
    const tokens = new LaunchTokens(time.now);
    const token = tokens.issue(1_000);
    const other = tokens.issue(1_000);
    time.advance(999);
    expect(tokens.redeem(token)).toBe('ok');
    time.advance(1);
    expect(tokens.redeem(other)).toBe('expired');
    // Expired ones are forgotten when the next token is issued.
    tokens.issue(1_000);
    expect(tokens.redeem(other)).toBe('unknown');
  });

  it('are remembered at most 16 at a time, the oldest forgotten first', () => {
    const tokens = new LaunchTokens();
    const issued = Array.from({ length: 17 }, () => tokens.issue(60_000));
    expect(tokens.redeem(issued[0]!)).toBe('unknown');
    for (const token of issued.slice(1)) expect(tokens.redeem(token)).toBe('ok');
  });

  it('need a positive whole lifetime', () => {
    const tokens = new LaunchTokens();
    for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => tokens.issue(ttl), String(ttl)).toThrow(RangeError);
    }
  });
});
