// @vitest-environment happy-dom
/** Drafts: kept per conversation, per server and account, across switches and restarts; bounded. */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import ChatView from '../components/ChatView.vue';
import { MAX_DRAFTS, useDraftsStore } from '../stores/drafts';
import { useSessionStore } from '../stores/session';
import { FakeMessenger, installFake, settle } from './fake-messenger';
import { byLabel, fakeLayout } from './helpers';

let restoreLayout: () => void;

/** A fresh renderer (new Pinia, as after an app restart) logged in as `user`. */
async function startApp(user = 'me'): Promise<void> {
  setActivePinia(createPinia());
  installFake(new FakeMessenger().loggedInAs(user));
  await useSessionStore().refreshState();
}

async function openChat(peer: string) {
  const wrapper = mount(ChatView, { props: { peer }, attachTo: document.body });
  await settle();
  return wrapper;
}

beforeEach(async () => {
  localStorage.clear();
  restoreLayout = fakeLayout();
  await startApp();
});
afterEach(() => {
  restoreLayout();
  document.body.innerHTML = '';
});

describe('drafts', () => {
  it("keeps each conversation's draft when switching conversations", async () => {
    let chat = await openChat('bob');
    await byLabel(chat, 'Message').setValue('half a thought for bob');
    chat.unmount();
    chat = await openChat('carol');
    expect(byLabel(chat, 'Message').element.value).toBe('');
    chat.unmount();
    chat = await openChat('bob');
    expect(byLabel(chat, 'Message').element.value).toBe('half a thought for bob');
    chat.unmount();
  });

  it('keeps drafts across an app restart, only for the same server and account', async () => {
    const chat = await openChat('bob');
    await byLabel(chat, 'Message').setValue('see you at 5');
    chat.unmount();
    useDraftsStore().flush();

    await startApp('me');
    let again = await openChat('bob');
    expect(byLabel(again, 'Message').element.value).toBe('see you at 5');
    again.unmount();

    await startApp('someone-else');
    again = await openChat('bob');
    expect(byLabel(again, 'Message').element.value).toBe('');
    again.unmount();
  });

  it('clears the draft when the message is sent', async () => {
    const chat = await openChat('bob');
    await byLabel(chat, 'Message').setValue('sent now');
    await byLabel(chat, 'Message').trigger('keydown', { key: 'Enter' });
    await settle();
    expect(useDraftsStore().get('bob')).toBe('');
    chat.unmount();
  });

  it(`stores at most ${MAX_DRAFTS} drafts, dropping the oldest`, async () => {
    const drafts = useDraftsStore();
    for (let i = 0; i < MAX_DRAFTS + 20; i++) drafts.set(`peer${i}`, `draft ${i}`);
    drafts.flush();
    const stored = JSON.parse(localStorage.getItem('messenger.drafts') ?? '{}') as object;
    expect(Object.keys(stored)).toHaveLength(MAX_DRAFTS);
    expect(drafts.get('peer0')).toBe('');
    expect(drafts.get(`peer${MAX_DRAFTS + 19}`)).toBe(`draft ${MAX_DRAFTS + 19}`);
  });
});
