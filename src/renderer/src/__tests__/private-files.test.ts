// @vitest-environment happy-dom
/**
 * Files in the private-chat window: a picked or pasted file goes to the core piece by piece, each
 * piece awaited; rows show progress (an accessible progressbar), the sender's thumbnail, Cancel
 * and Save as…; refusals and failures read in the app's own words.
 */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileTransfer } from '../../../shared/files';
import { FILE_API_CHUNK_BYTES, FILE_MAX_BYTES } from '../../../shared/limits';
import PrivateChatWindow from '../components/PrivateChatWindow.vue';
import { FakeMessenger, installFake, ok, settle } from './fake-messenger';
import { button } from './helpers';

let fake: FakeMessenger;
const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

beforeEach(() => {
  setActivePinia(createPinia());
  fake = installFake(new FakeMessenger().loggedInAs('me'));
  fake.on('privateTranscript', (peer) => ok({ peer, open: true, messages: [] }));
  fake.on('sendFile', (peer, offer) =>
    ok({ transfer: { id: ID, peer, direction: 'send', ...offer, bytesDone: 0, state: 'sending' } }),
  );
});
afterEach(() => {
  document.body.innerHTML = '';
});

async function openWindow() {
  const wrapper = mount(PrivateChatWindow, { props: { peer: 'bob' }, attachTo: document.body });
  await settle();
  return wrapper;
}

function pick(wrapper: Awaited<ReturnType<typeof openWindow>>, file: File): void {
  const input = wrapper.find<HTMLInputElement>('input[type="file"]');
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
  void input.trigger('change');
}

const incoming = (extra: Partial<FileTransfer> = {}): FileTransfer => ({
  id: ID,
  peer: 'bob',
  direction: 'receive',
  name: 'cat.png',
  size: 200_000,
  mime: 'image/png',
  bytesDone: 50_000,
  state: 'receiving',
  ...extra,
});

describe('sending a file in a private chat', () => {
  it('hands the file over in FILE_API_CHUNK_BYTES pieces, one call at a time, then ends it', async () => {
    const bytes = new Uint8Array(FILE_API_CHUNK_BYTES * 2 + 100).map((_, i) => i % 251);
    let inFlight = 0;
    let maxInFlight = 0;
    fake.on('sendFileChunk', async (_id, data) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await settle(1);
      inFlight--;
      return ok({ bytesDone: atob(data).length });
    });
    const wrapper = await openWindow();
    pick(wrapper, new File([bytes], 'notes.bin', { type: 'application/octet-stream' }));
    await settle(30);

    expect(fake.callsOf('sendFile')).toEqual([
      ['bob', { name: 'notes.bin', size: bytes.length, mime: 'application/octet-stream' }],
    ]);
    const pieces = fake.callsOf('sendFileChunk').map(([, data]) => atob(data as string));
    expect(pieces.map((p) => p.length)).toEqual([FILE_API_CHUNK_BYTES, FILE_API_CHUNK_BYTES, 100]);
    const joined = Uint8Array.from(pieces.join(''), (c) => c.charCodeAt(0));
    expect(joined).toEqual(bytes);
    expect(maxInFlight).toBe(1);
    expect(fake.callsOf('sendFileEnd')).toEqual([[ID]]);
    wrapper.unmount();
  });

  it('refuses a file over the limit or with a bad name before anything goes out', async () => {
    const wrapper = await openWindow();
    const big = new File(['x'], 'huge.iso');
    Object.defineProperty(big, 'size', { value: FILE_MAX_BYTES + 1 });
    pick(wrapper, big);
    await settle();
    expect(wrapper.find('[role="alert"]').text()).toBe(
      'huge.iso is too large to send: files can have at most 25 MB.',
    );
    pick(wrapper, new File(['x'], 'bell\u0007.txt'));
    await settle();
    expect(wrapper.find('[role="alert"]').text()).toBe(
      'This file cannot be sent: a file name must not contain control characters. Rename it and try again.',
    );
    expect(fake.callsOf('sendFile')).toEqual([]);
    wrapper.unmount();
  });

  it('a pasted file is sent; pasted text is left to the composer', async () => {
    const wrapper = await openWindow();
    const paste = new Event('paste', { bubbles: true, cancelable: true }) as ClipboardEvent;
    Object.defineProperty(paste, 'clipboardData', {
      value: { files: [new File(['hi'], 'clip.png', { type: 'image/png' })] },
    });
    wrapper.find('textarea').element.dispatchEvent(paste);
    await settle(10);
    expect(paste.defaultPrevented).toBe(true);
    expect(fake.callsOf('sendFile')).toMatchObject([['bob', { name: 'clip.png', size: 2 }]]);
    wrapper.unmount();
  });
  it('files dropped on the window are sent, one after the other', async () => {
    const wrapper = await openWindow();
    const drop = new Event('drop', { bubbles: true, cancelable: true }) as DragEvent;
    const dropped = [new File(['a'], 'one.txt'), new File(['bb'], 'two.txt')];
    Object.defineProperty(drop, 'dataTransfer', { value: { types: ['Files'], files: dropped } });
    wrapper.find('main').element.dispatchEvent(drop);
    await settle(20);
    expect(drop.defaultPrevented).toBe(true);
    expect(fake.callsOf('sendFile').map(([, offer]) => (offer as { name: string }).name)).toEqual([
      'one.txt',
      'two.txt',
    ]);
    wrapper.unmount();
  });
});

describe('file rows', () => {
  it('show progress, the thumbnail and Cancel while arriving, then Save as…', async () => {
    const wrapper = await openWindow();
    fake.emit({ kind: 'file', transfer: incoming({ thumbnail: { mime: 'image/jpeg', data: 'AAAA' } }) });
    await settle();
    const bar = wrapper.find('[role="progressbar"]');
    expect(bar.attributes()).toMatchObject({
      'aria-label': 'Receiving cat.png',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': '25',
    });
    const img = wrapper.find('img.file-thumbnail');
    expect(img.attributes('src')).toBe('data:image/jpeg;base64,AAAA');
    expect(img.attributes('alt')).toBe('Preview of cat.png');
    await button(wrapper, 'Cancel cat.png').trigger('click');
    expect(fake.callsOf('cancelFile')).toEqual([[ID]]);

    fake.emit({ kind: 'file', transfer: incoming({ bytesDone: 200_000, state: 'done' }) });
    await settle();
    expect(wrapper.find('[role="progressbar"]').exists()).toBe(false);
    await button(wrapper, 'Save as… cat.png').trigger('click');
    expect(fake.callsOf('saveFile')).toEqual([[ID]]);
    wrapper.unmount();
  });

  it('say why a file did not arrive, and a late progress event does not undo it', async () => {
    const wrapper = await openWindow();
    fake.emit({ kind: 'file', transfer: incoming({ state: 'failed', reason: 'hash_mismatch' }) });
    fake.emit({ kind: 'file', transfer: incoming({ bytesDone: 60_000 }) });
    await settle();
    expect(wrapper.find('.file-status').text()).toBe(
      'cat.png arrived damaged (its contents did not match) and was thrown away. Send it again.',
    );
    expect(wrapper.find('[role="progressbar"]').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('Save as…');
    wrapper.unmount();
  });
});
