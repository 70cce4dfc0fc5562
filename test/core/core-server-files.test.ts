/**
 * Files in direct and group chats through the client core, against the real server (in-process,
 * port 0): upload and download byte-identical, resume after a cut mid-upload and mid-download,
 * cancel, refusals before any byte, groups, offline recipients and blocks.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessengerCore } from '../../src/main/core/index.js';
import type { MessageTarget } from '../../src/shared/api.js';
import type { FileTransfer } from '../../src/shared/files.js';
import { FILE_API_CHUNK_BYTES, FILE_TRANSFERS_MAX } from '../../src/shared/limits.js';
import type { DirectMessage } from '../../src/shared/protocol.js';
import { sha256, testBytes } from '../helpers/file-transfer.js';
import { Relay } from '../helpers/relay.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { loggedIn, useServerPerTest, type EventLog } from './support.js';

const fixture = useServerPerTest();
const relays: Relay[] = [];
const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Client = Awaited<ReturnType<typeof loggedIn>>;

async function throughRelay(name: string, password: string): Promise<Client & { relay: Relay }> {
  const relay = new Relay(fixture.server.port);
  relays.push(relay);
  return { relay, ...(await loggedIn(await relay.start(), name, password)) };
}

/** Hands a file to the core as the app does (pieces, each awaited); resolves with the transfer. */
async function sendBytes(
  core: MessengerCore,
  target: MessageTarget,
  bytes: Buffer,
  options: { name?: string; caption?: string; stopAt?: number } = {},
): Promise<FileTransfer> {
  const offer = { name: options.name ?? 'plans.bin', size: bytes.length, mime: 'application/octet-stream' };
  const started = await core.call('sendChatFile', target, offer, options.caption);
  if (!started.ok) throw new Error(JSON.stringify(started.error));
  const { transfer } = started.value;
  const stopAt = options.stopAt ?? bytes.length;
  for (let at = 0; at < stopAt; at += FILE_API_CHUNK_BYTES) {
    const piece = bytes.subarray(at, at + FILE_API_CHUNK_BYTES).toString('base64');
    const r = await core.call('sendFileChunk', transfer.id, piece);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
  }
  if (stopAt < bytes.length) return transfer;
  const ended = await core.call('sendFileEnd', transfer.id);
  if (!ended.ok) throw new Error(JSON.stringify(ended.error));
  return transfer;
}

function ended(log: EventLog, id: string, timeoutMs = 20_000): Promise<FileTransfer> {
  return log
    .waitFor(
      'file',
      (e) => e.transfer.id === id && !['sending', 'receiving'].includes(e.transfer.state),
      timeoutMs,
    )
    .then((e) => e.transfer);
}

/** The message carrying a file as the recipient's core announced it. */
async function fileMessage(log: EventLog, from: string): Promise<DirectMessage> {
  const event = await log.waitFor('message', (e) => e.message.from === from && e.message.file !== undefined);
  return event.message;
}

/** Downloads a message's file and resolves with the verified bytes the core kept. */
async function download(client: Client, message: DirectMessage, target: MessageTarget): Promise<Buffer> {
  if (!message.file) throw new Error('no file on the message');
  const started = await client.core.call('downloadFile', message.id, message.file, target);
  if (!started.ok) throw new Error(JSON.stringify(started.error));
  const done = await ended(client.log, started.value.transfer.id);
  expect(done).toMatchObject({ state: 'done', sha256: message.file.sha256, bytesDone: message.file.size });
  const kept = client.core.receivedFile(done.id);
  if (!kept) throw new Error('no kept file');
  return readFileSync(kept.path);
}

/** Cuts the relay's connections once this many bytes went the given way (a network outage mid-transfer). */
function cutAfter(relay: Relay, way: 'toServer' | 'toClient', bytes: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (relay[way].reduce((sum, chunk) => sum + chunk.length, 0) < bytes) return;
      clearInterval(timer);
      relay.cut();
      setTimeout(() => {
        relay.restore();
        resolve();
      }, 50);
    }, 1);
  });
}

/** The JSON frames the relay carried one way. */
function frames(relay: Relay, way: 'toServer' | 'toClient'): Record<string, unknown>[] {
  return Buffer.concat(relay[way])
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('core: files in direct chats', () => {
  it('uploads a file with progress, and the recipient downloads the same bytes', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const bytes = testBytes(3 * 1024 * 1024 + 17);
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, bytes, { caption: 'the plans' });
    expect(transfer).toMatchObject({ via: 'server', peer: 'hans', direction: 'send', state: 'sending' });
    const done = await ended(yoda.log, transfer.id);
    expect(done).toMatchObject({ state: 'done', bytesDone: bytes.length, sha256: sha256(bytes) });
    // The sender's app learns the stored message under the transfer's client id, as from the outbox.
    const stored = await yoda.log.waitFor('queued_sent', (e) => e.clientId === transfer.clientId);
    expect(stored.message).toMatchObject({
      id: done.messageId,
      text: 'the plans',
      file: { size: bytes.length },
    });
    const progress = yoda.log.of('file').filter((e) => e.transfer.id === transfer.id);
    expect(progress.length).toBeGreaterThan(2);

    const message = await fileMessage(hans.log, 'yoda');
    expect(message.file).toEqual({
      name: 'plans.bin',
      size: bytes.length,
      mime: 'application/octet-stream',
      sha256: sha256(bytes),
    });
    expect((await download(hans, message, { to: 'yoda' })).equals(bytes)).toBe(true);
    // Asking again gives the same finished transfer, not a second download.
    const again = await hans.core.call('downloadFile', message.id, message.file!, { to: 'yoda' });
    expect(again).toMatchObject({ ok: true, value: { transfer: { state: 'done' } } });
  });

  it('resumes an upload cut off midway from where the server stands', async () => {
    const yoda = await throughRelay('yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const bytes = testBytes(6 * 1024 * 1024, 2);
    const cut = cutAfter(yoda.relay, 'toServer', 2 * 1024 * 1024);
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, bytes);
    await cut;
    expect(await ended(yoda.log, transfer.id, 30_000)).toMatchObject({ state: 'done' });
    // The second upload_start (after the reconnect) was told to go on from where the first stopped.
    const offsets = frames(yoda.relay, 'toClient')
      .map((frame) => (frame.result as { upload?: string; offset?: number } | undefined) ?? {})
      .filter((result) => result.upload !== undefined)
      .map((result) => result.offset);
    expect(offsets.length).toBe(2);
    expect(offsets[1]).toBeGreaterThan(0);
    const message = await fileMessage(hans.log, 'yoda');
    expect((await download(hans, message, { to: 'yoda' })).equals(bytes)).toBe(true);
  });

  it('resumes a download cut off midway from the bytes on disk', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await throughRelay('hans', 'falcon');
    const bytes = testBytes(6 * 1024 * 1024, 3);
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, bytes);
    await ended(yoda.log, transfer.id);
    const message = await fileMessage(hans.log, 'yoda');
    const cut = cutAfter(hans.relay, 'toClient', 3 * 1024 * 1024);
    const got = download(hans, message, { to: 'yoda' });
    await cut;
    expect((await got).equals(bytes)).toBe(true);
    // No range was asked twice from 0: after the reconnect the download went on past the cut.
    const offsets = frames(hans.relay, 'toServer')
      .filter((frame) => frame.type === 'download_chunk')
      .map((frame) => frame.offset);
    expect(offsets.filter((offset) => offset === 0)).toHaveLength(1);
    // It was cut: hans's core logged in a second time after the relay came back.
    const logins = frames(hans.relay, 'toServer').filter((frame) => frame.type === 'login');
    expect(logins).toHaveLength(2);
  });

  it('throws away a download whose bytes do not match the message’s SHA-256', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, testBytes(200_000, 11));
    await ended(yoda.log, transfer.id);
    const message = await fileMessage(hans.log, 'yoda');
    // Damage the stored file on the server's disk (one byte), as a bad disk or a bad copy would.
    const blobs = join(fixture.server.dir, 'files', 'blobs');
    const [blob] = readdirSync(blobs, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    if (!blob) throw new Error('no stored file');
    const path = join(blob.parentPath, blob.name);
    const bytes = readFileSync(path);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const started = await hans.core.call('downloadFile', message.id, message.file!, { to: 'yoda' });
    if (!started.ok) throw new Error(JSON.stringify(started.error));
    const done = await ended(hans.log, started.value.transfer.id);
    expect(done).toMatchObject({ state: 'failed', reason: 'hash_mismatch' });
    expect(hans.core.receivedFile(done.id)).toBeUndefined();
  });

  it('takes a file while disconnected and sends it once the connection is back', async () => {
    const yoda = await throughRelay('yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    yoda.relay.cut();
    await yoda.log.waitFor('state', (e) => e.state.connection === 'reconnecting');
    const bytes = testBytes(300_000, 10);
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, bytes);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(
      yoda.log
        .of('file')
        .filter((e) => e.transfer.id === transfer.id)
        .at(-1)?.transfer.state,
    ).toBe('sending');
    yoda.relay.restore();
    expect(await ended(yoda.log, transfer.id)).toMatchObject({ state: 'done' });
    const message = await fileMessage(hans.log, 'yoda');
    expect((await download(hans, message, { to: 'yoda' })).equals(bytes)).toBe(true);
  });

  it(`runs at most ${FILE_TRANSFERS_MAX} uploads at once`, async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const offer = { name: 'a.bin', size: 10, mime: '' };
    for (let i = 0; i < FILE_TRANSFERS_MAX; i++) {
      expect(await yoda.core.call('sendChatFile', { to: 'hans' }, offer)).toMatchObject({ ok: true });
    }
    expect(await yoda.core.call('sendChatFile', { to: 'hans' }, offer)).toMatchObject({
      ok: false,
      error: { code: 'too_many_transfers' },
    });
  });

  it('cancels an upload while the app hands it over, and a download on its way', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const bytes = testBytes(1024 * 1024, 4);
    const half = await sendBytes(yoda.core, { to: 'hans' }, bytes, { stopAt: 5 * FILE_API_CHUNK_BYTES });
    expect(await yoda.core.call('cancelFile', half.id)).toEqual({ ok: true, value: {} });
    expect(await ended(yoda.log, half.id)).toMatchObject({ state: 'cancelled', cancelledBy: 'me' });
    expect(await yoda.core.call('sendFileChunk', half.id, 'AAAA')).toMatchObject({
      ok: false,
      error: { code: 'transfer_ended' },
    });

    const whole = await sendBytes(yoda.core, { to: 'hans' }, testBytes(8 * 1024 * 1024, 5));
    await ended(yoda.log, whole.id);
    const message = await fileMessage(hans.log, 'yoda');
    const started = await hans.core.call('downloadFile', message.id, message.file!, { to: 'yoda' });
    if (!started.ok) throw new Error(JSON.stringify(started.error));
    expect(await hans.core.call('cancelFile', started.value.transfer.id)).toEqual({ ok: true, value: {} });
    expect(await ended(hans.log, started.value.transfer.id)).toMatchObject({ state: 'cancelled' });
    expect(hans.core.receivedFile(started.value.transfer.id)).toBeUndefined();
    // Only the whole file's message reached hans; the cancelled one never became a message.
    expect(hans.log.of('message').filter((e) => e.message.file)).toHaveLength(1);
  });

  it('drops a cancelled upload on the server at once, so it no longer counts as unfinished', async () => {
    const yoda = await throughRelay('yoda', 'wise');
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, testBytes(12 * 1024 * 1024, 9));
    await yoda.log.waitFor('file', (e) => e.transfer.id === transfer.id && e.transfer.bytesDone > 0);
    expect(await yoda.core.call('cancelFile', transfer.id)).toEqual({ ok: true, value: {} });
    await vi.waitFor(() =>
      expect(frames(yoda.relay, 'toServer').map((f) => f.type)).toContain('upload_cancel'),
    );
    // Requests run in order on the server: the chunks sent before the cancel were handled first.
    await vi.waitFor(() => expect(readdirSync(join(fixture.server.dir, 'files', 'parts'))).toEqual([]));
  });

  it('refuses a file over the server’s limit before sending any byte of it', async () => {
    const small = await startTestServer({ maxFileBytes: 1000 });
    servers.push(small);
    const relay = new Relay(small.port);
    relays.push(relay);
    const yoda = await loggedIn(await relay.start(), 'yoda', 'wise');
    const offer = { name: 'big.bin', size: 1001, mime: '' };
    expect(await yoda.core.call('sendChatFile', { to: 'hans' }, offer)).toMatchObject({
      ok: false,
      error: { code: 'file_too_large' },
    });
    expect(frames(relay, 'toServer').map((frame) => frame.type)).not.toContain('upload_start');
  });

  it('delivers to a recipient who was offline, who downloads it at the next login', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const bytes = testBytes(500_000, 6);
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, bytes);
    expect(await ended(yoda.log, transfer.id)).toMatchObject({ state: 'done' });
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const message = await fileMessage(hans.log, 'yoda');
    expect((await download(hans, message, { to: 'yoda' })).equals(bytes)).toBe(true);
  });

  it('never gives a file to someone who blocks its sender', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    expect(await hans.core.call('block', 'yoda')).toEqual({ ok: true, value: {} });
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, testBytes(100_000, 7));
    expect(await ended(yoda.log, transfer.id)).toMatchObject({ state: 'failed', reason: 'refused' });
    const refused = await yoda.log.waitFor('queued_failed', (e) => e.clientId === transfer.clientId);
    expect(refused.error.code).toBe('blocked_by_recipient');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hans.log.of('message')).toEqual([]);
  });

  it('stops downloads of a file whose sender the recipient blocked after it arrived', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const transfer = await sendBytes(yoda.core, { to: 'hans' }, testBytes(100_000, 9));
    await ended(yoda.log, transfer.id);
    const message = await fileMessage(hans.log, 'yoda');
    expect(await hans.core.call('block', 'yoda')).toEqual({ ok: true, value: {} });
    const started = await hans.core.call('downloadFile', message.id, message.file!, { to: 'yoda' });
    if (!started.ok) throw new Error(JSON.stringify(started.error));
    const done = await ended(hans.log, started.value.transfer.id);
    expect(done).toMatchObject({ state: 'failed', reason: 'unavailable' });
    expect(hans.core.receivedFile(done.id)).toBeUndefined();
  });
});

describe('core: files in group chats', () => {
  it('reaches every member, who each download the same bytes', async () => {
    const yoda = await loggedIn(fixture.server.port, 'yoda', 'wise');
    const hans = await loggedIn(fixture.server.port, 'hans', 'falcon');
    const luke = await loggedIn(fixture.server.port, 'luke', 'skywalker');
    const created = await yoda.core.call('createGroup', 'Rebels', ['hans', 'luke']);
    if (!created.ok) throw new Error(JSON.stringify(created));
    const group = created.value.group.id;
    const bytes = testBytes(700_000, 8);
    const transfer = await sendBytes(yoda.core, { group }, bytes, { name: 'map.png' });
    expect(transfer).toMatchObject({ peer: '', group });
    expect(await ended(yoda.log, transfer.id)).toMatchObject({ state: 'done' });
    for (const member of [hans, luke]) {
      const message = await fileMessage(member.log, 'yoda');
      expect(message.group).toBe(group);
      expect((await download(member, message, { group })).equals(bytes)).toBe(true);
    }
  });
});
