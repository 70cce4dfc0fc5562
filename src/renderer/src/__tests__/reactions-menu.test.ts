// @vitest-environment happy-dom
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DirectMessage } from '../../../shared/protocol';
import ChatView from '../components/ChatView.vue';
import { bindEvents } from '../events';
import { applyChange, mergeMessages } from '../stores/chat';
import { dm, FakeMessenger, ok, settle } from './fake-messenger';
import { button, fakeLayout, loggedInAsMe } from './helpers';

let fake: FakeMessenger;
let restoreLayout: () => void;

beforeEach(async () => {
  fake = await loggedInAsMe();
  restoreLayout = fakeLayout();
});
afterEach(() => {
  restoreLayout();
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

function message(from: string, to: string, text: string, extra: Partial<DirectMessage> = {}): DirectMessage {
  return { ...dm(from, to, text, extra), ...extra };
}

async function openChat(messages: DirectMessage[]): Promise<VueWrapper> {
  fake.on('history', () => ok({ messages, hasMore: false }));
  const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
  await settle(8);
  return wrapper;
}

/** The accessible name of the focused element. */
function focusedName(): string | null {
  const el = document.activeElement;
  return el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? null;
}

/** A reaction chip by its accessible name (its hidden text), and what it shows. */
function chip(wrapper: VueWrapper, name: string) {
  const found = wrapper.findAll('.reaction-chip').find((c) => c.find('.visually-hidden').text() === name);
  if (!found) throw new Error(`no chip named ${name}`);
  return found;
}

const face = (c: ReturnType<typeof chip>) => c.find('.chip-face').text();

function menuItems(wrapper: VueWrapper): string[] {
  return wrapper.findAll('.menu-item').map((item) => item.attributes('aria-label') ?? item.text());
}

async function key(target: Element | null, name: string, extra: KeyboardEventInit = {}): Promise<void> {
  target?.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, ...extra }));
  await settle();
}

describe('the states of a message with reactions', () => {
  it('keeps the higher revision: a reaction after an edit wins, an older state is ignored', () => {
    const original = message('bob', 'me', 'v1', { id: 7 });
    const items = mergeMessages([], [original], 'me');
    const edited = { ...original, text: 'v2', editedAt: 20, revision: 1 };
    const reacted = { ...edited, reactions: [{ emoji: '👍' as const, users: ['bob'] }], revision: 2 };
    const after = applyChange(applyChange(items, edited, 'me'), reacted, 'me');
    expect(after[0]).toMatchObject({ text: 'v2', reactions: reacted.reactions, revision: 2 });
    expect(applyChange(after, edited, 'me')).toBe(after);
    const removed = applyChange(after, { ...edited, revision: 3 }, 'me');
    expect(removed[0]?.reactions).toBeUndefined();
  });
});

describe('ChatView: reaction chips', () => {
  it('shows "👍 2" named with who reacted; a chip toggles your own reaction', async () => {
    const unbind = bindEvents('main');
    const theirs = message('bob', 'me', 'lunch?', {
      reactions: [
        { emoji: '👍', users: ['bob', 'me'] },
        { emoji: '😂', users: ['bob'] },
      ],
      revision: 2,
    });
    fake.on('react', (id, emoji, add) =>
      ok({ message: { ...theirs, id, revision: 3, reactions: add ? theirs.reactions : [] } }),
    );
    const wrapper = await openChat([theirs]);

    const thumbs = chip(wrapper, 'Reacted with thumbs up: bob, me');
    expect(face(thumbs)).toBe('👍 2');
    expect(thumbs.attributes('aria-pressed')).toBe('true');
    const laughing = chip(wrapper, 'Reacted with laughing: bob');
    expect(face(laughing)).toBe('😂 1');
    expect(laughing.attributes('aria-pressed')).toBe('false');

    await thumbs.trigger('click');
    await laughing.trigger('click');
    await settle();
    expect(fake.callsOf('react')).toEqual([
      [theirs.id, '👍', false],
      [theirs.id, '😂', true],
    ]);

    // A change pushed by the peer replaces them.
    fake.emit({
      kind: 'message_updated',
      message: { ...theirs, reactions: [{ emoji: '❤️', users: ['bob'] }], revision: 9 },
    });
    await settle();
    expect(wrapper.findAll('.chip-face').map((c) => c.text())).toEqual(['❤️ 1']);
    wrapper.unmount();
    unbind();
  });
});

describe('ChatView: the message menu from the keyboard and the context menu', () => {
  it('Shift+F10 on a message opens it; arrows move; React opens the emoji set; Escape goes back, then closes and returns focus', async () => {
    const theirs = message('bob', 'me', 'hello', {
      reactions: [{ emoji: '🙏', users: ['me'] }],
      revision: 1,
    });
    fake.on('react', () => ok({ message: theirs }));
    const wrapper = await openChat([theirs]);
    const row = wrapper.find('.message-row').element as HTMLElement;
    row.focus();

    await key(row, 'F10', { shiftKey: true });
    expect(menuItems(wrapper)).toEqual(['Reply', 'React', 'Copy']);
    expect(focusedName()).toBe('Reply');
    await key(document.activeElement, 'ArrowDown');
    expect(focusedName()).toBe('React');
    await key(document.activeElement, 'End');
    expect(focusedName()).toBe('Copy');
    await key(document.activeElement, 'ArrowDown'); // wraps around
    expect(focusedName()).toBe('Reply');
    await key(document.activeElement, 'ArrowUp');
    await key(document.activeElement, 'ArrowUp');
    expect(focusedName()).toBe('React');

    (document.activeElement as HTMLElement).click();
    await settle();
    expect(menuItems(wrapper)).toEqual([
      'React with thumbs up',
      'React with heart',
      'React with laughing',
      'React with surprised',
      'React with sad',
      'React with thank you',
    ]);
    expect(wrapper.find('[role="menu"]').attributes('aria-label')).toBe('React');
    expect(focusedName()).toBe('React with thumbs up');
    const thanks = wrapper.findAll('.menu-item').at(5);
    expect(thanks?.attributes('role')).toBe('menuitemcheckbox');
    expect(thanks?.attributes('aria-checked')).toBe('true');

    await key(document.activeElement, 'Escape');
    expect(menuItems(wrapper)).toEqual(['Reply', 'React', 'Copy']);
    expect(focusedName()).toBe('React');
    await key(document.activeElement, 'Escape');
    expect(wrapper.find('[role="menu"]').exists()).toBe(false);
    expect(focusedName()).toBe('Actions for the message from bob');
    expect(fake.callsOf('react')).toEqual([]);
    wrapper.unmount();
  });

  it('a right-click opens it; choosing an emoji reacts, on your message Edit and Delete are there too', async () => {
    const mine = message('me', 'bob', 'mine', { sentAt: Date.now() });
    fake.on('react', (id, emoji) =>
      ok({ message: { ...mine, id, reactions: [{ emoji, users: ['me'] }], revision: 1 } }),
    );
    const wrapper = await openChat([mine]);
    await wrapper.find('.message-row').trigger('contextmenu');
    await settle();
    expect(menuItems(wrapper)).toEqual(['Reply', 'React', 'Copy', 'Edit', 'Delete']);
    await wrapper.findAll('.menu-item').at(1)?.trigger('click');
    await settle();
    await wrapper.findAll('.menu-item').at(1)?.trigger('click'); // heart
    await settle();
    expect(fake.callsOf('react')).toEqual([[mine.id, '❤️', true]]);
    expect(face(chip(wrapper, 'Reacted with heart: me'))).toBe('❤️ 1');
    expect(wrapper.find('[role="menu"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it("ArrowUp on a message's actions button opens the menu on its last item, ArrowDown on its first", async () => {
    const mine = message('me', 'bob', 'mine', { sentAt: Date.now() });
    const wrapper = await openChat([mine]);
    // Before first use the row shows a placeholder button (the menu mounts on demand); it must act the same.
    await key(button(wrapper, 'Actions for your message').element, 'ArrowUp');
    expect(menuItems(wrapper)).toEqual(['Reply', 'React', 'Copy', 'Edit', 'Delete']);
    expect(focusedName()).toBe('Delete');
    await key(document.activeElement, 'Escape');
    expect(focusedName()).toBe('Actions for your message');
    await key(document.activeElement, 'ArrowDown');
    expect(focusedName()).toBe('Reply');
    wrapper.unmount();
  });

  it('Copy puts the message text on the clipboard', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const theirs = message('bob', 'me', 'copy me, please');
    const wrapper = await openChat([theirs]);
    await button(wrapper, 'Actions for the message from bob').trigger('click');
    await settle();
    await button(wrapper, 'Copy').trigger('click');
    await settle();
    expect(writeText).toHaveBeenCalledWith('copy me, please');
    wrapper.unmount();
  });
});
