/** How the terminal client prints what the core pushes (no server needed: events in, lines out). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { showEvent } from '../../src/cli/events.js';
import { Output } from '../../src/cli/output.js';
import { texts } from '../../src/cli/texts.js';

function printed(run: (out: Output) => void): string[] {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  run(new Output(stream));
  return chunks.join('').split('\n').filter(Boolean);
}

describe('terminal client events', () => {
  it('prints the report text when the server refuses a message that waited in the queue', () => {
    const lines = printed((out) => {
      showEvent(
        {
          kind: 'queued_failed',
          clientId: 'c1',
          to: 'hans',
          text: 'hi',
          error: { code: 'blocked_by_recipient', message: 'hans has blocked you' },
        },
        'yoda',
        out,
      );
      showEvent(
        {
          kind: 'queued_failed',
          clientId: 'c2',
          to: 'ghost',
          text: 'hi',
          error: { code: 'unknown_user', message: 'no user named ghost' },
        },
        'yoda',
        out,
      );
    });
    expect(lines).toEqual([texts.recipientBlockedYou, texts.receiverInvalid]);
  });

  it('prints nothing for typing indicators (an app feature with no text form)', () => {
    const lines = printed((out) => {
      expect(showEvent({ kind: 'typing', peers: ['hans'] }, 'yoda', out)).toBeUndefined();
      showEvent({ kind: 'typing', peers: [] }, 'yoda', out);
    });
    expect(lines).toEqual([]);
  });

  it('prints a received message as before, one deleted before it arrived not at all, and no changes', () => {
    const message = { id: 1, from: 'hans', to: 'yoda', text: 'hi there', sentAt: 1 };
    const lines = printed((out) => {
      showEvent({ kind: 'message', message, offline: true }, 'yoda', out);
      showEvent(
        { kind: 'message', message: { ...message, id: 2, text: '', deleted: true }, offline: true },
        'yoda',
        out,
      );
      showEvent(
        { kind: 'message_updated', message: { ...message, text: 'edited', editedAt: 2 } },
        'yoda',
        out,
      );
    });
    expect(lines).toEqual([texts.received('hans', 'hi there')]);
  });
});
