import { describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../../shared/api.js';
import { createBridgeClient, type SocketLike } from './client.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: { id: number; method: string; args: unknown[] }[] = [];
  onopen: ((event: never) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: never) => void) | null = null;
  onerror: ((event: never) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as { id: number; method: string; args: unknown[] });
  }
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(undefined as never);
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.(undefined as never);
  }
  reply(id: number, value: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ type: 'reply', id, result: { ok: true, value } }) });
  }
}

function setup(openPrivateWindow = vi.fn()) {
  const sockets: FakeSocket[] = [];
  const client = createBridgeClient({
    url: 'ws://127.0.0.1:1/bridge?secret=s',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    pageHandlers: { openPrivateWindow },
    minRetryMs: 1,
    maxRetryMs: 2,
  });
  return { client, sockets, openPrivateWindow };
}

describe('bridge client', () => {
  it('queues calls until the socket opens, then matches replies by id', async () => {
    const { client, sockets } = setup();
    const state = client.call('getState');
    const list = client.call('listBlocked');
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    await client.ready;
    expect(sockets[0]!.sent.map((m) => m.method)).toEqual(['getState', 'listBlocked']);
    sockets[0]!.reply(2, ['mallory']);
    sockets[0]!.reply(1, { connection: 'connected' });
    await expect(list).resolves.toEqual({ ok: true, value: ['mallory'] });
    await expect(state).resolves.toEqual({ ok: true, value: { connection: 'connected' } });
    client.close();
  });

  it('delivers events to subscribers until they unsubscribe; ignores junk', () => {
    const { client, sockets } = setup();
    sockets[0]!.open();
    const seen: AppEvent[] = [];
    const stop = client.onEvent((event) => seen.push(event));
    const event: AppEvent = { kind: 'presence', user: 'bob', online: true, at: 5 };
    sockets[0]!.onmessage?.({ data: JSON.stringify({ type: 'event', event }) });
    sockets[0]!.onmessage?.({ data: 'not json' });
    sockets[0]!.onmessage?.({ data: JSON.stringify({ type: 'reply', id: 999, result: {} }) });
    stop();
    sockets[0]!.onmessage?.({ data: JSON.stringify({ type: 'event', event }) });
    expect(seen).toEqual([event]);
    client.close();
  });

  it('answers calls lost with a dropped socket with not_connected, and reconnects', async () => {
    const { client, sockets } = setup();
    sockets[0]!.open();
    const lost = client.call('whoElse');
    sockets[0]!.drop();
    await expect(lost).resolves.toMatchObject({ ok: false, error: { code: 'not_connected' } });
    const later = client.call('whoElse');
    await vi.waitFor(() => expect(sockets).toHaveLength(2));
    sockets[1]!.open();
    expect(sockets[1]!.sent.map((m) => m.method)).toEqual(['whoElse']);
    sockets[1]!.reply(sockets[1]!.sent[0]!.id, ['carol']);
    await expect(later).resolves.toEqual({ ok: true, value: ['carol'] });
    client.close();
  });

  it('opens private windows in the page instead of calling the shell', async () => {
    const { client, sockets, openPrivateWindow } = setup();
    sockets[0]!.open();
    await expect(client.call('openPrivateWindow', 'bob')).resolves.toEqual({ ok: true, value: {} });
    expect(openPrivateWindow).toHaveBeenCalledWith('bob');
    expect(sockets[0]!.sent).toEqual([]);
    openPrivateWindow.mockImplementation(() => {
      throw new Error('popup blocked');
    });
    await expect(client.call('openPrivateWindow', 'bob')).resolves.toMatchObject({
      ok: false,
      error: { message: 'popup blocked' },
    });
    client.close();
    await expect(client.call('getState')).resolves.toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
  });
  it('answers every shell method the page handles without the socket (links, focus, unread count)', async () => {
    const openExternal = vi.fn();
    const focusWindow = vi.fn();
    const sockets: FakeSocket[] = [];
    const client = createBridgeClient({
      url: 'ws://127.0.0.1:1/bridge?secret=s',
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      pageHandlers: { openExternal, focusWindow, setUnreadCount: () => undefined },
    });
    sockets[0]!.open();
    await expect(client.call('openExternal', 'https://example.com/')).resolves.toEqual({
      ok: true,
      value: {},
    });
    await expect(client.call('focusWindow')).resolves.toEqual({ ok: true, value: {} });
    await expect(client.call('setUnreadCount', 4)).resolves.toEqual({ ok: true, value: {} });
    expect(openExternal).toHaveBeenCalledWith('https://example.com/');
    expect(focusWindow).toHaveBeenCalledTimes(1);
    expect(sockets[0]!.sent).toEqual([]);
    // A shell method without a page handler still goes to the shell.
    void client.call('openPrivateWindow', 'bob');
    expect(sockets[0]!.sent.map((m) => m.method)).toEqual(['openPrivateWindow']);
    client.close();
  });
});
