// @vitest-environment happy-dom
/**
 * Links in messages: rendered as anchors built from text segments (never HTML), http/https/mailto
 * only, and a click asks the shell to open them outside the app (`openExternal`). In the browser
 * shell the page itself opens a new tab without opener or referrer.
 */
import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLinkInNewTab } from '../bridge/install';
import ChatView from '../components/ChatView.vue';
import MessageText from '../components/MessageText';
import PrivateChatWindow from '../components/PrivateChatWindow.vue';
import { useToastsStore } from '../stores/toasts';
import { dm, fail, FakeMessenger, ok, settle } from './fake-messenger';
import { fakeLayout, loggedInAsMe } from './helpers';

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

/** Clicks like a user would and says whether the browser's own handling (navigation) was stopped. */
function click(anchor: Element): boolean {
  const event = new MouseEvent('click', { bubbles: true, cancelable: true });
  anchor.dispatchEvent(event);
  return event.defaultPrevented;
}

describe('MessageText', () => {
  it('renders links as anchors that open outside the app, and the rest as text', () => {
    const message = 'docs at https://example.com/guide, or mail mailto:help@example.com.';
    const wrapper = mount(MessageText, { props: { text: message } });
    expect(wrapper.text()).toBe(message);
    const anchors = wrapper.findAll('a');
    expect(anchors.map((a) => a.attributes('href'))).toEqual([
      'https://example.com/guide',
      'mailto:help@example.com',
    ]);
    for (const anchor of anchors) {
      expect(anchor.attributes('target')).toBe('_blank');
      expect(anchor.attributes('rel')).toBe('noopener noreferrer');
    }
    expect(anchors.map((a) => a.text())).toEqual(['https://example.com/guide', 'mailto:help@example.com']);
  });

  it('never makes other schemes or markup into links or elements', () => {
    const hostile =
      'javascript:alert(1) file:///etc/passwd data:text/html,x <a href="javascript:alert(2)">x</a> <img src=x onerror=alert(3)>';
    const wrapper = mount(MessageText, { props: { text: hostile } });
    expect(wrapper.text()).toBe(hostile);
    expect(wrapper.find('a').exists()).toBe(false);
    expect(wrapper.find('img').exists()).toBe(false);
  });

  it('a click asks the shell to open the link and keeps the app where it is', async () => {
    const wrapper = mount(MessageText, { props: { text: 'see https://example.com/x' } });
    expect(click(wrapper.find('a').element)).toBe(true);
    await settle();
    expect(fake.callsOf('openExternal')).toEqual([['https://example.com/x']]);
  });

  it('says so when the link could not be opened', async () => {
    fake.on('openExternal', () => fail('invalid_argument', { message: 'only http, https and mailto' }));
    const wrapper = mount(MessageText, { props: { text: 'https://example.com' } });
    click(wrapper.find('a').element);
    await settle();
    expect(useToastsStore().toasts.map((t) => t.text)).toEqual([
      'Could not open the link. Only web and e-mail links open from messages: copy it into your browser instead.',
    ]);
  });
});

describe('links in the chat views', () => {
  it('the chat log links a received message', async () => {
    fake.on('history', () =>
      ok({ messages: [dm('bob', 'me', 'look: https://example.com/pic.png')], hasMore: false }),
    );
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    const text = wrapper.find('.message-row .text');
    expect(text.text()).toBe('look: https://example.com/pic.png');
    const anchor = text.find('a');
    expect(anchor.attributes('href')).toBe('https://example.com/pic.png');
    click(anchor.element);
    await settle();
    expect(fake.callsOf('openExternal')).toEqual([['https://example.com/pic.png']]);
    wrapper.unmount();
  });

  it('the private chat window links messages too', async () => {
    fake.on('privateTranscript', (peer) =>
      ok({ peer, open: true, messages: [{ from: 'bob', text: 'http://intranet.example/doc', at: 1 }] }),
    );
    const wrapper = mount(PrivateChatWindow, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    expect(wrapper.find('[role="log"] .text a').attributes('href')).toBe('http://intranet.example/doc');
    wrapper.unmount();
  });
});

describe('browser shell: links open in a new tab', () => {
  it('opens http(s)/mailto links in a new tab with no opener and no referrer', () => {
    const open = vi.fn(() => null);
    vi.stubGlobal('open', open);
    openLinkInNewTab('https://example.com/a');
    expect(open).toHaveBeenCalledWith('https://example.com/a', '_blank', 'noopener,noreferrer');
  });

  it('refuses anything else', () => {
    const open = vi.fn(() => null);
    vi.stubGlobal('open', open);
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x', '/index.html']) {
      expect(() => openLinkInNewTab(url), url).toThrow(/only http, https and mailto/);
    }
    expect(open).not.toHaveBeenCalled();
  });
});
