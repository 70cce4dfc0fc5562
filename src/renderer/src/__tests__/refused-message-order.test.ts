// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useChatStore } from '../stores/chat';
import { dm, FakeMessenger } from './fake-messenger';
import { loggedInAsMe } from './helpers';

let fake: FakeMessenger;

beforeEach(async () => {
  fake = await loggedInAsMe();
});

describe('a refused message', () => {
  it('keeps its place in time when later messages arrive', async () => {
    fake.on('sendMessage', () => ({
      ok: false,
      error: { code: 'blocked_by_recipient', message: 'blocked' },
    }));
    const chat = useChatStore();
    chat.receive(dm('bob', 'me', 'before', { id: 1, sentAt: 1_000 }));
    vi.spyOn(Date, 'now').mockReturnValue(2_000);
    expect(await chat.send('bob', 'refused')).toBe(false);
    chat.receive(dm('bob', 'me', 'after', { id: 2, sentAt: 3_000 }));
    chat.receive(dm('bob', 'me', 'later still', { id: 3, sentAt: 4_000 }));
    expect(chat.thread('bob').items.map((i) => i.text)).toEqual([
      'before',
      'refused',
      'after',
      'later still',
    ]);
  });

  it('refused after later messages arrived moves back to when it was written', async () => {
    let refuse: (value: unknown) => void = () => undefined;
    fake.on('sendMessage', () => new Promise((resolve) => (refuse = resolve)) as never);
    const chat = useChatStore();
    vi.spyOn(Date, 'now').mockReturnValue(2_000);
    const sending = chat.send('bob', 'slow and refused');
    chat.receive(dm('bob', 'me', 'meanwhile', { id: 5, sentAt: 3_000 }));
    expect(chat.thread('bob').items.map((i) => i.text)).toEqual(['meanwhile', 'slow and refused']);
    refuse({ ok: false, error: { code: 'blocked_by_recipient', message: 'blocked' } });
    expect(await sending).toBe(false);
    expect(chat.thread('bob').items.map((i) => i.text)).toEqual(['slow and refused', 'meanwhile']);
  });
});
