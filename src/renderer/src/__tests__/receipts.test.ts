// @vitest-environment happy-dom
/**
 * Delivered and read on my messages: each stored message of mine says "Sent", "Delivered" or "Read"
 * from the server's marks (history, receipt events), which never go back; messages from others and
 * broadcasts say none of it; the "Send read receipts" setting in the settings dialog.
 */
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import ChatView from '../components/ChatView.vue';
import SettingsDialog from '../components/SettingsDialog.vue';
import { EVERYONE } from '../constants';
import { bindEvents, loadAfterLogin } from '../events';
import { useReceiptsStore } from '../stores/receipts';
import { dm, type FakeMessenger, ok, settle } from './fake-messenger';
import { fakeLayout, loggedInAsMe } from './helpers';

let fake: FakeMessenger;
let restoreLayout: () => void;
let unbind: () => void;

beforeEach(async () => {
  fake = await loggedInAsMe();
  restoreLayout = fakeLayout();
  unbind = bindEvents('main');
});
afterEach(() => {
  unbind();
  restoreLayout();
  document.body.innerHTML = '';
});

/** The status after each message's time, in order ('' when it has none). */
function statuses(wrapper: VueWrapper): string[] {
  return wrapper.findAll('.message-row .meta').map((meta) => {
    const status = meta.find('.status');
    return status.exists() ? status.text().replace(/^· /, '') : '';
  });
}

function readReceiptsBox(wrapper: VueWrapper): HTMLInputElement {
  const label = wrapper.findAll('label').find((l) => l.text().trim() === 'Send read receipts');
  if (!label) throw new Error('no Send read receipts checkbox');
  return label.find('input').element as HTMLInputElement;
}

describe('delivered and read', () => {
  it('shows each of my messages as sent, delivered or read, and moves only forward', async () => {
    fake.on('history', () =>
      ok({
        messages: [
          dm('me', 'bob', 'one', { id: 1 }),
          dm('bob', 'me', 'from bob', { id: 2 }),
          dm('me', 'bob', 'two', { id: 3 }),
          dm('me', 'bob', 'three', { id: 4 }),
        ],
        hasMore: false,
        deliveredUpTo: 3,
        readUpTo: 1,
      }),
    );
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    expect(statuses(wrapper)).toEqual(['Read', '', 'Delivered', 'Sent']);

    fake.emit({ kind: 'receipt', peer: 'bob', deliveredUpTo: 4 });
    await settle();
    expect(statuses(wrapper)).toEqual(['Read', '', 'Delivered', 'Delivered']);
    fake.emit({ kind: 'receipt', peer: 'bob', readUpTo: 4 });
    await settle();
    expect(statuses(wrapper)).toEqual(['Read', '', 'Read', 'Read']);
    // A late, older answer does not take anything back; another peer's receipt changes nothing here.
    fake.emit({ kind: 'receipt', peer: 'bob', deliveredUpTo: 1, readUpTo: 1 });
    fake.emit({ kind: 'receipt', peer: 'carol', deliveredUpTo: 1 });
    await settle();
    expect(statuses(wrapper)).toEqual(['Read', '', 'Read', 'Read']);
    wrapper.unmount();
  });

  it('says nothing of the kind on broadcasts', async () => {
    fake.on('broadcasts', () =>
      ok({ broadcasts: [{ id: 9, from: 'me', text: 'hi all', sentAt: 1_700_000_000_000 }], hasMore: false }),
    );
    const wrapper = mount(ChatView, { props: { peer: EVERYONE }, attachTo: document.body });
    await settle();
    useReceiptsStore().apply(EVERYONE, { deliveredUpTo: 9, readUpTo: 9 });
    await settle();
    expect(wrapper.find('.message-row').exists()).toBe(true);
    expect(wrapper.find('.message-row .status').exists()).toBe(false);
    wrapper.unmount();
  });
});

describe('the read receipts setting', () => {
  it('shows the account’s setting and changes it on the server; off, the reads shown go', async () => {
    fake.on('getSettings', () => ok({ readReceipts: true }));
    await loadAfterLogin();
    const receipts = useReceiptsStore();
    receipts.apply('bob', { deliveredUpTo: 5, readUpTo: 5 });
    const dialog = mount(SettingsDialog, { attachTo: document.body });
    await settle();
    const box = readReceiptsBox(dialog);
    expect(box.checked).toBe(true);
    expect(box.disabled).toBe(false);

    box.checked = false;
    box.dispatchEvent(new Event('change'));
    await settle();
    expect(fake.callsOf('setReadReceipts')).toEqual([[false]]);
    expect(receipts.readReceipts).toBe(false);
    expect(receipts.stateOf('bob', 5)).toBe('delivered');

    box.checked = true;
    box.dispatchEvent(new Event('change'));
    await settle();
    expect(fake.callsOf('setReadReceipts')).toEqual([[false], [true]]);
    // On again: the conversations (with the reads the server shows now) are asked for again.
    expect(fake.callsOf('conversations').length).toBeGreaterThanOrEqual(2);
    dialog.unmount();
  });
});
