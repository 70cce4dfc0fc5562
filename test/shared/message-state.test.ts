/** The wire form of an edited or deleted message, and how clients order a message's states. */
import { describe, expect, it } from 'vitest';
import { newerMessage } from '../../src/shared/message-state.js';
import { directMessageSchema, type DirectMessage } from '../../src/shared/protocol.js';

const base: DirectMessage = { id: 1, from: 'ann', to: 'bob', text: 'hi', sentAt: 10 };

describe('a DirectMessage on the wire', () => {
  it('has empty text exactly when it is deleted', () => {
    expect(directMessageSchema.safeParse({ ...base, text: '', deleted: true }).success).toBe(true);
    expect(directMessageSchema.safeParse({ ...base, text: '' }).success).toBe(false);
    expect(directMessageSchema.safeParse({ ...base, deleted: true }).success).toBe(false);
    expect(directMessageSchema.safeParse({ ...base, deleted: false }).success).toBe(false);
  });

  it('may carry editedAt and a reply quote', () => {
    const reply = { ...base, editedAt: 20, replyTo: { id: 0.5, from: 'bob', text: 'q' } };
    expect(directMessageSchema.safeParse(reply).success).toBe(false); // ids are positive integers
    expect(
      directMessageSchema.safeParse({ ...reply, replyTo: { id: 1, from: 'bob', text: 'q' } }).success,
    ).toBe(true);
  });
});

describe('newerMessage', () => {
  it('keeps a deletion, else the later edit, else what it has', () => {
    const v2 = { ...base, text: 'v2', editedAt: 20 };
    const v3 = { ...base, text: 'v3', editedAt: 30 };
    const gone = { ...base, text: '', deleted: true as const };
    expect(newerMessage(base, v2)).toBe(v2);
    expect(newerMessage(v3, v2)).toBe(v3);
    expect(newerMessage(v2, { ...v2 })).toBe(v2);
    expect(newerMessage(v3, gone)).toBe(gone);
    expect(newerMessage(gone, v3)).toBe(gone);
  });
});
