// @vitest-environment happy-dom
/**
 * Files in direct and group chats (through the server), in the main window's timeline: a picked,
 * dropped or pasted file shows at once as a row of its own with its progress and Cancel, and gives
 * way to its stored message; a received file offers Download and then Save as…, small images
 * download by themselves; limits and failures read in the app's own words.
 */
import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileTransfer } from '../../../shared/files';
import { FILE_API_CHUNK_BYTES } from '../../../shared/limits';
import type { DirectMessage, FileInfo } from '../../../shared/protocol';
import ChatView from '../components/ChatView.vue';
import { bindEvents } from '../events';
import { useSessionStore } from '../stores/session';
import { ok, serverInfo, settle, type FakeMessenger } from './fake-messenger';
import { button, hasButton, useLoggedInPage } from './helpers';

const page = useLoggedInPage();
let fake: FakeMessenger;
let unbind: () => void;
const UP = 'UUUUUUUUUUUUUUUUUUUUUU';
const DOWN = 'DDDDDDDDDDDDDDDDDDDDDD';
const SHA = 'a'.repeat(64);

async function withFileLimit(maxFileBytes: number): Promise<void> {
  fake.state = {
    ...fake.state,
    serverInfo: { ...serverInfo, limits: { ...serverInfo.limits, maxFileBytes } },
  };
  await useSessionStore().refreshState();
}

function upload(extra: Partial<FileTransfer> = {}): FileTransfer {
  return {
    id: UP,
    peer: 'bob',
    via: 'server',
    clientId: 'client-1',
    direction: 'send',
    name: 'plans.pdf',
    size: 100_000,
    mime: 'application/pdf',
    bytesDone: 0,
    state: 'sending',
    ...extra,
  };
}

function fileMessage(
  id: number,
  from: string,
  file: FileInfo,
  extra: Partial<DirectMessage> = {},
): DirectMessage {
  return {
    id,
    from,
    to: from === 'me' ? 'bob' : 'me',
    text: '',
    sentAt: 1_700_000_000_000 + id,
    file,
    ...extra,
  };
}

beforeEach(async () => {
  fake = page();
  await withFileLimit(25 * 1024 * 1024);
  fake.on('sendChatFile', (target, offer) =>
    ok({
      transfer: upload({
        ...('to' in target ? { peer: target.to } : { peer: '', group: target.group }),
        name: offer.name,
        size: offer.size,
        mime: offer.mime,
      }),
    }),
  );
  fake.on('sendFileChunk', (_id, data) => ok({ bytesDone: atob(data).length }));
  unbind = bindEvents('main');
});
afterEach(() => unbind());

async function openChat(peer = 'bob') {
  const chat = mount(ChatView, { props: { peer }, attachTo: document.body });
  await settle();
  return chat;
}

function pick(chat: Awaited<ReturnType<typeof openChat>>, file: File): void {
  const input = chat.find<HTMLInputElement>('input[type="file"]');
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
  void input.trigger('change');
}

describe('sending a file to a chat', () => {
  it('shows it in the timeline with its progress at once, then as its stored message', async () => {
    const chat = await openChat();
    const bytes = new Uint8Array(FILE_API_CHUNK_BYTES + 10).map((_, i) => i % 7);
    pick(chat, new File([bytes], 'plans.pdf', { type: 'application/pdf' }));
    await settle(20);
    expect(fake.callsOf('sendChatFile')).toEqual([
      [{ to: 'bob' }, { name: 'plans.pdf', size: bytes.length, mime: 'application/pdf' }],
    ]);
    expect(fake.callsOf('sendFileChunk').map(([, data]) => atob(data as string).length)).toEqual([
      FILE_API_CHUNK_BYTES,
      10,
    ]);
    expect(fake.callsOf('sendFileEnd')).toEqual([[UP]]);
    const row = chat.get('.message-row.mine');
    expect(row.get('.file-name').text()).toBe('plans.pdf');

    fake.emit({ kind: 'file', transfer: upload({ size: bytes.length, bytesDone: 30_000 }) });
    await settle();
    expect(chat.get('[role="progressbar"]').attributes()).toMatchObject({
      'aria-label': 'Sending plans.pdf',
      'aria-valuenow': String(Math.floor((30_000 / bytes.length) * 100)),
    });
    expect(hasButton(chat, 'Cancel plans.pdf')).toBe(true);

    const file = { name: 'plans.pdf', size: bytes.length, mime: 'application/pdf', sha256: SHA };
    const stored = fileMessage(40, 'me', file);
    fake.emit({
      kind: 'file',
      transfer: upload({ size: bytes.length, bytesDone: bytes.length, state: 'done', messageId: 40 }),
    });
    fake.emit({ kind: 'queued_sent', clientId: 'client-1', message: stored });
    await settle();
    const rows = chat.findAll('.message-row');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.attributes('data-message-id')).toBe('40');
    expect(chat.find('[role="progressbar"]').exists()).toBe(false);
    chat.unmount();
  });

  it('says how much of a large file it has prepared before the upload starts', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let handed = 0;
    fake.on('sendFileChunk', async (_id, data) => {
      if (handed > 0) await held;
      handed += atob(data).length;
      return ok({ bytesDone: handed });
    });
    const chat = await openChat();
    pick(chat, new File([new Uint8Array(4 * FILE_API_CHUNK_BYTES)], 'big.bin'));
    await settle(20);
    expect(chat.get('.file-status').text()).toBe('Preparing… 25 %');
    release();
    await settle(20);
    expect(chat.get('.file-status').text()).toBe('Preparing… 100 %');
    expect(fake.callsOf('sendFileEnd')).toEqual([[UP]]);
    chat.unmount();
  });

  it('refuses a file over the server’s limit before anything goes out', async () => {
    await withFileLimit(1000);
    const chat = await openChat();
    expect(chat.text()).toContain('up to 1000 bytes each');
    pick(chat, new File([new Uint8Array(1001)], 'big.bin'));
    await settle();
    expect(chat.get('[role="alert"]').text()).toContain(
      'big.bin is too large to send: files can have at most 1000 bytes.',
    );
    expect(fake.callsOf('sendChatFile')).toEqual([]);
    chat.unmount();
  });

  it('sends files dropped on a group chat to the group', async () => {
    fake.on('groupHistory', () => ok({ messages: [], hasMore: false }));
    const chat = await openChat('#7');
    const drop = new Event('drop', { bubbles: true, cancelable: true }) as DragEvent;
    Object.defineProperty(drop, 'dataTransfer', {
      value: { types: ['Files'], files: [new File(['a'], 'one.txt', { type: 'text/plain' })] },
    });
    chat.get('section.chat').element.dispatchEvent(drop);
    await settle(20);
    expect(drop.defaultPrevented).toBe(true);
    expect(fake.callsOf('sendChatFile')).toEqual([
      [{ group: 7 }, { name: 'one.txt', size: 1, mime: 'text/plain' }],
    ]);
    chat.unmount();
  });

  it('says why a file was not sent, and a cancelled one leaves the timeline', async () => {
    const chat = await openChat();
    pick(chat, new File(['abc'], 'plans.pdf', { type: 'application/pdf' }));
    await settle(20);
    fake.emit({ kind: 'file', transfer: upload({ size: 3, state: 'failed', reason: 'server_full' }) });
    await settle();
    expect(chat.get('.delivery-error').text()).toContain(
      'The server has no room for plans.pdf right now. Try again later.',
    );
    expect(hasButton(chat, 'Retry')).toBe(false);

    fake.on('sendChatFile', (_target, offer) =>
      ok({
        transfer: upload({
          id: 'VVVVVVVVVVVVVVVVVVVVVV',
          clientId: 'client-2',
          name: offer.name,
          size: offer.size,
        }),
      }),
    );
    pick(chat, new File(['abc'], 'second.pdf'));
    await settle(20);
    expect(chat.findAll('.file-name').map((n) => n.text())).toContain('second.pdf');
    fake.emit({
      kind: 'file',
      transfer: upload({
        id: 'VVVVVVVVVVVVVVVVVVVVVV',
        clientId: 'client-2',
        name: 'second.pdf',
        state: 'cancelled',
      }),
    });
    await settle();
    expect(chat.findAll('.file-name').map((n) => n.text())).not.toContain('second.pdf');
    chat.unmount();
  });
});

describe('receiving a file in a chat', () => {
  const pdf = { name: 'report.pdf', size: 300_000, mime: 'application/pdf', sha256: SHA };
  const download = (extra: Partial<FileTransfer> = {}): FileTransfer => ({
    id: DOWN,
    peer: 'bob',
    via: 'server',
    messageId: 60,
    direction: 'receive',
    name: pdf.name,
    size: pdf.size,
    mime: pdf.mime,
    bytesDone: 0,
    state: 'receiving',
    ...extra,
  });

  it('offers Download, shows the progress, then Save as…', async () => {
    fake.on('history', () =>
      ok({ messages: [fileMessage(60, 'bob', pdf, { text: 'the report' })], hasMore: false }),
    );
    fake.on('downloadFile', () => ok({ transfer: download() }));
    const chat = await openChat();
    expect(chat.get('.file-name').text()).toBe('report.pdf');
    expect(chat.text()).toContain('the report');
    await button(chat, 'Download report.pdf').trigger('click');
    await settle();
    expect(fake.callsOf('downloadFile')).toEqual([[60, pdf, { to: 'bob' }]]);
    fake.emit({ kind: 'file', transfer: download({ bytesDone: 150_000 }) });
    await settle();
    expect(chat.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('50');
    fake.emit({ kind: 'file', transfer: download({ bytesDone: pdf.size, state: 'done', sha256: SHA }) });
    await settle();
    await button(chat, 'Save as… report.pdf').trigger('click');
    expect(fake.callsOf('saveFile')).toEqual([[DOWN]]);
    chat.unmount();
  });

  it('downloads a small image by itself and reads it back for its thumbnail', async () => {
    const png = { name: 'cat.png', size: 2_000, mime: 'image/png', sha256: SHA };
    fake.on('history', () => ok({ messages: [fileMessage(61, 'bob', png)], hasMore: false }));
    const image = { ...download({ messageId: 61, name: 'cat.png', size: 2_000, mime: 'image/png' }) };
    fake.on('downloadFile', () => ok({ transfer: image }));
    fake.on('readFile', () => ok({ data: btoa('x'.repeat(2_000)) }));
    const chat = await openChat();
    expect(fake.callsOf('downloadFile')).toEqual([[61, png, { to: 'bob' }]]);
    fake.emit({ kind: 'file', transfer: { ...image, bytesDone: 2_000, state: 'done' } });
    await settle();
    expect(fake.callsOf('readFile')).toEqual([[DOWN, 0]]);
    chat.unmount();
  });

  it('says why a download failed, in the app’s words', async () => {
    fake.on('history', () => ok({ messages: [fileMessage(60, 'bob', pdf)], hasMore: false }));
    fake.on('downloadFile', () => ok({ transfer: download() }));
    const chat = await openChat();
    await button(chat, 'Download report.pdf').trigger('click');
    fake.emit({ kind: 'file', transfer: download({ state: 'failed', reason: 'unavailable' }) });
    await settle();
    expect(chat.get('.file-status').text()).toBe(
      'report.pdf is no longer available (the message was deleted, or you blocked its sender).',
    );
    chat.unmount();
  });
});
