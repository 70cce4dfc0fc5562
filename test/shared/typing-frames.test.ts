/** The typing frames' schemas: what a client accepts, and what it drops (a future group's notice). */
import { describe, expect, it } from 'vitest';
import { TYPING_TTL_MAX_MS } from '../../src/shared/limits.js';
import { parseRequestFrame, parseServerFrame } from '../../src/shared/validate.js';

const event = { type: 'typing', from: 'bob', typing: true, ttlMs: 6000 };

describe('typing frames', () => {
  it('accept a direct typing event, and drop one with a field this client does not know', () => {
    expect(parseServerFrame(JSON.stringify(event))).toEqual({ ok: true, value: event });
    expect(parseServerFrame(JSON.stringify({ ...event, group: 'g1' })).ok).toBe(false);
  });

  it('bound ttlMs, so a bad server cannot pin the indicator', () => {
    for (const ttlMs of [0, -1, 1.5, TYPING_TTL_MAX_MS + 1]) {
      expect(parseServerFrame(JSON.stringify({ ...event, ttlMs })).ok, String(ttlMs)).toBe(false);
    }
  });

  it('take a request with a user and a boolean, nothing else', () => {
    expect(parseRequestFrame('{"type":"typing","id":1,"to":"bob","typing":false}').ok).toBe(true);
    expect(parseRequestFrame('{"type":"typing","id":1,"to":"bob","typing":1}').ok).toBe(false);
    expect(parseRequestFrame('{"type":"typing","id":1,"typing":true}').ok).toBe(false);
  });
});
