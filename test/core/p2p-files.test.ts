/**
 * Files in private chats between two real cores over real loopback sockets: the bytes arrive
 * identical and never touch the server's socket; every refusal (size, name, too many, hash) and
 * every cancel or lost link leaves no file behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessengerCore } from '../../src/main/core/index.js';
import type { PeerFileMessage, PeerLink } from '../../src/main/core/peer-link.js';
import type { PrivateSessions } from '../../src/main/core/private-sessions.js';
import type { FileOffer } from '../../src/shared/files.js';
import { FILE_API_CHUNK_BYTES, FILE_MAX_BYTES, FILE_TRANSFERS_MAX } from '../../src/shared/limits.js';
import { makeTempDir } from '../helpers/server.js';
import { Relay } from '../helpers/relay.js';
import { loggedIn, until, useServerPerTest, type EventLog } from './support.js';

const fixture = useServerPerTest();
const relays: Relay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
});

interface Side {
  core: MessengerCore;
  log: EventLog;
  dataDir: string;
}

/** yoda and hans logged in (through `port`, default the server's), with a private chat open. */
async function privatePair(port = fixture.server.port): Promise<{ yoda: Side; hans: Side }> {
  const [yodaDir, hansDir] = [makeTempDir('files-yoda-'), makeTempDir('files-hans-')];
  const yoda = { ...(await loggedIn(port, 'yoda', 'wise', { dataDir: yodaDir })), dataDir: yodaDir };
  const hans = { ...(await loggedIn(port, 'hans', 'falcon', { dataDir: hansDir })), dataDir: hansDir };
  expect((await yoda.core.call('startPrivate', 'hans')).ok).toBe(true);
  await hans.log.waitFor('private_opened');
  return { yoda, hans };
}

function offerOf(bytes: Buffer, extra: Partial<FileOffer> = {}): FileOffer {
  return { name: 'photo.bin', size: bytes.length, mime: 'application/octet-stream', ...extra };
}

async function start(core: MessengerCore, bytes: Buffer, extra: Partial<FileOffer> = {}): Promise<string> {
  const started = await core.call('sendFile', 'hans', offerOf(bytes, extra));
  if (!started.ok) throw new Error(`sendFile: ${started.error.code} ${started.error.message}`);
  return started.value.transfer.id;
}

/** Hands `bytes` to the core the way the app does: one awaited call per FILE_API_CHUNK_BYTES. */
async function sendAll(core: MessengerCore, bytes: Buffer, extra: Partial<FileOffer> = {}): Promise<string> {
  const id = await start(core, bytes, extra);
  for (let at = 0; at < bytes.length; at += FILE_API_CHUNK_BYTES) {
    const piece = bytes.subarray(at, at + FILE_API_CHUNK_BYTES).toString('base64');
    const sent = await core.call('sendFileChunk', id, piece);
    if (!sent.ok) throw new Error(`sendFileChunk: ${sent.error.code}`);
    // Each call resolves once its bytes are on their way: the app's progress for the upload.
    expect(sent.value.bytesDone).toBe(Math.min(at + FILE_API_CHUNK_BYTES, bytes.length));
  }
  const ended = await core.call('sendFileEnd', id);
  if (!ended.ok) throw new Error(`sendFileEnd: ${ended.error.code}`);
  return id;
}

/** Every file under a core's data folder (received files and partial ones). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

/** The open link from `core` to `peer`, to play a peer that breaks the rules. */
function linkOf(core: MessengerCore, peer: string): PeerLink {
  const link = (core as unknown as { sessions: PrivateSessions }).sessions.get(peer);
  if (!link) throw new Error(`no private chat with ${peer}`);
  return link;
}

function fileMessages(link: PeerLink): PeerFileMessage[] {
  const seen: PeerFileMessage[] = [];
  link.onFile((message) => seen.push(message));
  return seen;
}

const rawId = (n: number): string => `rawtransfer${String(n).padStart(11, '0')}`;

describe('core: private-chat files', () => {
  it('a 3 MB file crosses byte-identical, hash-checked, and never through the server', async () => {
    const relay = new Relay(fixture.server.port);
    relays.push(relay);
    const { yoda, hans } = await privatePair(await relay.start());
    const bytes = randomBytes(3 * 1024 * 1024 + 123);
    const id = await sendAll(yoda.core, bytes);

    const arrived = await hans.log.waitFor('file', (e) => e.transfer.state === 'done');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(arrived.transfer).toMatchObject({ direction: 'receive', peer: 'yoda', name: 'photo.bin', sha256 });
    const file = hans.core.receivedFile(arrived.transfer.id);
    expect(file && readFileSync(file.path).equals(bytes)).toBe(true);
    await yoda.log.waitFor('file', (e) => e.transfer.id === id && e.transfer.state === 'done');

    const serverTraffic = Buffer.concat([...relay.toServer, ...relay.toClient]);
    expect(serverTraffic.length).toBeLessThan(20_000);
    for (const probe of [
      bytes.subarray(1000, 1016),
      Buffer.from(bytes.subarray(1000, 1012).toString('base64')),
    ]) {
      expect(serverTraffic.includes(probe)).toBe(false);
    }
  });

  it('a hash that does not match what arrived fails on both sides and keeps nothing', async () => {
    const { yoda, hans } = await privatePair();
    const bytes = randomBytes(200_000);
    const id = await sendAll(yoda.core, bytes, { sha256: 'ab'.repeat(32) });

    const failed = await yoda.log.waitFor(
      'file',
      (e) => e.transfer.id === id && e.transfer.state === 'failed',
    );
    expect(failed.transfer.reason).toBe('hash_mismatch');
    expect((await hans.log.waitFor('file', (e) => e.transfer.state === 'failed')).transfer.reason).toBe(
      'hash_mismatch',
    );
    expect(filesUnder(hans.dataDir)).toEqual([]);
  });

  it('refuses an oversized file, a bad name and a fifth transfer at once before anything is sent', async () => {
    const { yoda, hans } = await privatePair();
    const tooBig = await yoda.core.call('sendFile', 'hans', {
      name: 'big.iso',
      size: FILE_MAX_BYTES + 1,
      mime: '',
    });
    expect(tooBig).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    for (const name of ['../etc/passwd', 'a\\b', 'bell\u0007', '..', '']) {
      const refused = await yoda.core.call('sendFile', 'hans', { name, size: 1, mime: '' });
      expect(refused, name).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    }
    for (let i = 0; i < FILE_TRANSFERS_MAX; i++) await start(yoda.core, Buffer.alloc(10));
    expect(await yoda.core.call('sendFile', 'hans', offerOf(Buffer.alloc(10)))).toMatchObject({
      ok: false,
      error: { code: 'too_many_transfers' },
    });
    await hans.log.waitFor('file', () => hans.log.of('file').length === FILE_TRANSFERS_MAX);
  });

  it('the receiver refuses a peer that breaks the rules, answering why and writing nothing', async () => {
    const { yoda, hans } = await privatePair();
    const link = linkOf(yoda.core, 'hans');
    const answers = fileMessages(link);
    await link.sendFileControl({ t: 'offer', id: rawId(1), name: '../../evil', size: 5, mime: '' } as never);
    await link.sendFileControl({
      t: 'offer',
      id: rawId(2),
      name: 'big',
      size: FILE_MAX_BYTES + 1,
      mime: '',
    } as never);
    for (let n = 3; n < 3 + FILE_TRANSFERS_MAX + 1; n++) {
      await link.sendFileControl({ t: 'offer', id: rawId(n), name: `f${n}`, size: 4, mime: '' });
    }
    // More bytes than offered: the transfer fails instead of growing.
    await link.sendFileChunk(rawId(3), Buffer.alloc(5));
    await until(() => answers.length === 4);
    expect(answers).toEqual([
      { t: 'cancel', id: rawId(1), reason: 'bad_name' },
      { t: 'cancel', id: rawId(2), reason: 'too_large' },
      { t: 'cancel', id: rawId(7), reason: 'too_many' },
      { t: 'cancel', id: rawId(3), reason: 'size_mismatch' },
    ]);
    await until(() => filesUnder(hans.dataDir).length === FILE_TRANSFERS_MAX - 1);
  });

  it('cancelling from either side ends the transfer on both and removes the partial file', async () => {
    const { yoda, hans } = await privatePair();
    const bytes = randomBytes(300_000);
    const id = await start(yoda.core, bytes);
    await yoda.core.call('sendFileChunk', id, bytes.subarray(0, FILE_API_CHUNK_BYTES).toString('base64'));
    const incoming = await hans.log.waitFor('file', (e) => e.transfer.state === 'receiving');
    expect(await yoda.core.call('cancelFile', id)).toEqual({ ok: true, value: {} });
    const ended = await hans.log.waitFor(
      'file',
      (e) => e.transfer.id === incoming.transfer.id && e.transfer.state === 'cancelled',
    );
    expect(ended.transfer.cancelledBy).toBe('peer');
    expect(filesUnder(hans.dataDir)).toEqual([]);

    const second = await start(yoda.core, bytes);
    const receiving = await hans.log.waitFor(
      'file',
      (e) => e.transfer.state === 'receiving' && e.transfer.id !== incoming.transfer.id,
    );
    await hans.core.call('cancelFile', receiving.transfer.id);
    await yoda.log.waitFor('file', (e) => e.transfer.id === second && e.transfer.state === 'cancelled');
    expect(await yoda.core.call('sendFileChunk', second, 'AAAA')).toMatchObject({
      ok: false,
      error: { code: 'transfer_ended' },
    });
    expect(filesUnder(hans.dataDir)).toEqual([]);
  });

  it('a lost link fails its transfers as interrupted (send again) and keeps no partial file', async () => {
    const { yoda, hans } = await privatePair();
    const bytes = randomBytes(200_000);
    const id = await start(yoda.core, bytes);
    await yoda.core.call('sendFileChunk', id, bytes.subarray(0, FILE_API_CHUNK_BYTES).toString('base64'));
    await until(() => filesUnder(hans.dataDir).length === 1);
    await hans.core.call('stopPrivate', 'yoda');
    const lost = await yoda.log.waitFor('file', (e) => e.transfer.id === id && e.transfer.state === 'failed');
    expect(lost.transfer.reason).toBe('interrupted');
    await hans.log.waitFor(
      'file',
      (e) => e.transfer.state === 'failed' && e.transfer.reason === 'interrupted',
    );
    expect(filesUnder(hans.dataDir)).toEqual([]);
  });

  it('more bytes than announced are refused to the app and fail the transfer on both sides', async () => {
    const { yoda, hans } = await privatePair();
    const id = await start(yoda.core, Buffer.alloc(10));
    await yoda.core.call('sendFileChunk', id, Buffer.alloc(5).toString('base64'));
    await until(() => filesUnder(hans.dataDir).length === 1);
    expect(await yoda.core.call('sendFileChunk', id, Buffer.alloc(6).toString('base64'))).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument' },
    });
    expect((await hans.log.waitFor('file', (e) => e.transfer.state === 'failed')).transfer.reason).toBe(
      'size_mismatch',
    );
    expect(filesUnder(hans.dataDir)).toEqual([]);
  });

  it('logging out removes the received files and their folder', async () => {
    const { yoda, hans } = await privatePair();
    await sendAll(yoda.core, randomBytes(1000));
    await hans.log.waitFor('file', (e) => e.transfer.state === 'done');
    expect(filesUnder(hans.dataDir)).toHaveLength(1);
    await hans.core.call('logout');
    await until(() => filesUnder(hans.dataDir).length === 0 && readdirSync(hans.dataDir).length === 0);
  });
});
