/** The text limit is counted in characters (Unicode code points) by every schema that carries text. */
import { describe, expect, it } from 'vitest';
import { apiCalls } from '../../src/shared/api.js';
import { TEXT_MAX_LENGTH, textLength } from '../../src/shared/limits.js';
import { requests, serverEventSchemas, textSchema } from '../../src/shared/protocol.js';

const EMOJI = '😀'; // one character, two UTF-16 code units, four UTF-8 bytes

describe('text length in characters', () => {
  it('counts an emoji as one character and a lone surrogate as one', () => {
    expect(textLength(EMOJI.repeat(3))).toBe(3);
    expect(textLength('ab')).toBe(2);
    expect(textLength('\ud83d')).toBe(1);
    expect(textLength('é')).toBe(1);
  });

  it(`accepts ${TEXT_MAX_LENGTH} emoji and refuses ${TEXT_MAX_LENGTH + 1}`, () => {
    expect(textSchema.safeParse(EMOJI.repeat(TEXT_MAX_LENGTH)).success).toBe(true);
    const over = textSchema.safeParse(EMOJI.repeat(TEXT_MAX_LENGTH + 1));
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toBe(`text must be at most ${TEXT_MAX_LENGTH} characters`);
  });

  it('applies the same limit to the message request, the broadcast event and the app API', () => {
    const atLimit = EMOJI.repeat(TEXT_MAX_LENGTH);
    const over = EMOJI.repeat(TEXT_MAX_LENGTH + 1);
    const message = (text: string) => requests.message.params.safeParse({ to: 'bob', text });
    expect(message(atLimit).success).toBe(true);
    expect(message(over).success).toBe(false);
    const broadcast = (text: string) =>
      serverEventSchemas.broadcast.safeParse({ type: 'broadcast', id: 1, from: 'bob', text, sentAt: 1 });
    expect(broadcast(atLimit).success).toBe(true);
    expect(broadcast(over).success).toBe(false);
    expect(apiCalls.broadcast.safeParse([atLimit]).success).toBe(true);
    expect(apiCalls.broadcast.safeParse([over]).success).toBe(false);
  });
});
