// @vitest-environment happy-dom
/**
 * Typing indicators in the app: "bob is typing…" in a polite live region under bob's chat while
 * the core says so, "typing…" in his conversation list entry, never for a blocked user; and the
 * composer tells the core when this user types, empties the text or leaves the chat.
 */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import ChatView from '../components/ChatView.vue';
import ConversationList from '../components/ConversationList.vue';
import { EVERYONE } from '../constants';
import { bindEvents } from '../events';
import { useBlockedStore } from '../stores/blocked';
import { useConversationsStore } from '../stores/conversations';
import { useSessionStore } from '../stores/session';
import { dm, FakeMessenger, installFake, ok, settle } from './fake-messenger';
import { byLabel, fakeLayout } from './helpers';

let fake: FakeMessenger;
let unbind: () => void;
let restoreLayout: () => void;

beforeEach(async () => {
  localStorage.clear();
  restoreLayout = fakeLayout();
  setActivePinia(createPinia());
  fake = installFake(new FakeMessenger().loggedInAs('me'));
  await useSessionStore().refreshState();
  unbind = bindEvents('main');
});
afterEach(() => {
  unbind();
  restoreLayout();
  document.body.innerHTML = '';
});

async function openChat(peer: string) {
  const wrapper = mount(ChatView, { props: { peer }, attachTo: document.body });
  await settle();
  return wrapper;
}

const indicator = (wrapper: ReturnType<typeof mount>) => wrapper.get('.typing-indicator');

describe('typing indicator', () => {
  it('shows "bob is typing…" in a polite live region under his chat while the core says so', async () => {
    const chat = await openChat('bob');
    const region = indicator(chat);
    expect(region.attributes('aria-live')).toBe('polite');
    expect(region.text()).toBe('');
    fake.emit({ kind: 'typing', peers: ['bob', 'carol'] });
    await settle();
    expect(region.text()).toBe('bob is typing…');
    fake.emit({ kind: 'typing', peers: ['carol'] });
    await settle();
    expect(region.text()).toBe('');
    chat.unmount();
  });

  it('never shows a blocked user typing', async () => {
    fake.on('listBlocked', () => ok(['bob']));
    await useBlockedStore().load();
    const chat = await openChat('bob');
    fake.emit({ kind: 'typing', peers: ['bob'] });
    await settle();
    expect(indicator(chat).text()).toBe('');
    chat.unmount();
  });

  it('says "typing…" in the conversation list entry instead of the last message', async () => {
    fake.on('conversations', () => ok([{ peer: 'bob', last: dm('bob', 'me', 'see you'), unread: 0 }]));
    await useConversationsStore().load();
    const list = mount(ConversationList, { attachTo: document.body });
    await settle();
    const entry = () =>
      list.findAll('.conversations .conversation').find((e) => e.text().includes('bob')) as ReturnType<
        typeof list.get
      >;
    expect(entry().text()).toContain('see you');
    fake.emit({ kind: 'typing', peers: ['bob'] });
    await settle();
    expect(entry().get('.conv-preview').text()).toBe('typing…');
    expect(entry().get('.visually-hidden').text()).toContain('typing');
    fake.emit({ kind: 'typing', peers: [] });
    await settle();
    expect(entry().text()).toContain('see you');
    list.unmount();
  });

  it('tells the core as this user types, empties the text, leaves the composer or the chat', async () => {
    const chat = await openChat('bob');
    const composer = byLabel(chat, 'Message');
    await composer.setValue('h');
    await composer.setValue('hi');
    await composer.setValue('');
    await composer.setValue('hi again');
    await composer.trigger('blur');
    await chat.setProps({ peer: 'carol' });
    await settle();
    expect(fake.callsOf('typing')).toEqual([
      ['bob', true],
      ['bob', true],
      ['bob', false],
      ['bob', true],
      ['bob', false],
      ['bob', false],
    ]);
    chat.unmount();
    expect(fake.callsOf('typing').at(-1)).toEqual(['carol', false]);
  });

  it('sends no typing notices from the Everyone conversation', async () => {
    const chat = await openChat(EVERYONE);
    await byLabel(chat, 'Message').setValue('hello all');
    await byLabel(chat, 'Message').trigger('blur');
    chat.unmount();
    expect(fake.callsOf('typing')).toEqual([]);
  });
});
