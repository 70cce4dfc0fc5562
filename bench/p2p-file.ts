/**
 * `npx tsx bench/p2p-file.ts [megabytes] [--via-server]`: one private-chat file between two real
 * cores in this process, through the API as the app sends it (awaited FILE_API_CHUNK_BYTES pieces),
 * over loopback. With `--via-server`, a file of a direct chat instead: uploaded to the server (in
 * this process too), then downloaded by the recipient. Prints one JSON line: the size, the time from
 * offer to the receiver's verified file, the throughput, and the process's peak RSS above its level
 * before the transfer (sampled every 10 ms), which shows that no side holds the file in memory.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { MessengerCore } from '../src/main/core/index.js';
import { FILE_API_CHUNK_BYTES } from '../src/shared/limits.js';
import type { DirectMessage } from '../src/shared/protocol.js';
import { makeTempDir, startTestServer } from '../test/helpers/server.js';
import { round } from './lib/stats.js';

async function loggedIn(
  port: number,
  name: string,
  password: string,
  dataDir: string,
): Promise<MessengerCore> {
  const core = new MessengerCore({ server: { host: '127.0.0.1', port }, dataDir });
  const result = await core.call('login', name, password);
  if (!result.ok) throw new Error(`login ${name}: ${result.error.code}`);
  return core;
}

function waitForDone(core: MessengerCore, direction: 'send' | 'receive' = 'receive'): Promise<void> {
  return new Promise((resolve, reject) => {
    core.onEvent((event) => {
      if (event.kind !== 'file' || event.transfer.direction !== direction) return;
      if (event.transfer.state === 'done') resolve();
      else if (event.transfer.state === 'failed' || event.transfer.state === 'cancelled')
        reject(new Error(`transfer ${event.transfer.state}`));
    });
  });
}

/** A direct chat's file: uploaded by `from`, then downloaded by `to` once its message arrived. */
async function uploadThenDownload(from: MessengerCore, to: MessengerCore): Promise<void> {
  const arrived = new Promise<DirectMessage>((resolve) =>
    to.onEvent((event) => {
      if (event.kind === 'message' && event.message.file) resolve(event.message);
    }),
  );
  await waitForDone(from, 'send');
  const message = await arrived;
  const downloaded = waitForDone(to);
  const started = await to.call('downloadFile', message.id, message.file!, { to: message.from });
  if (!started.ok) throw new Error(started.error.code);
  await downloaded;
}

async function main(): Promise<void> {
  const megabytes = Number(process.argv[2] ?? 25);
  const size = Math.min(megabytes * 1024 * 1024, 25 * 1024 * 1024);
  const server = await startTestServer();
  const dir = makeTempDir('bench-p2p-file-');
  const yoda = await loggedIn(server.port, 'yoda', 'wise', dir);
  const hans = await loggedIn(server.port, 'hans', 'falcon', dir);
  const viaServer = process.argv.includes('--via-server');
  if (!viaServer) await yoda.call('startPrivate', 'hans');
  // The source is generated piece by piece, so the bench itself holds one piece at a time too.
  const piece = randomBytes(FILE_API_CHUNK_BYTES);
  const done = viaServer ? uploadThenDownload(yoda, hans) : waitForDone(hans);
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  const file = { name: 'bench.bin', size, mime: '' };
  const offer = await (viaServer
    ? yoda.call('sendChatFile', { to: 'hans' }, file)
    : yoda.call('sendFile', 'hans', file));
  if (!offer.ok) throw new Error(offer.error.code);
  for (let at = 0; at < size; at += FILE_API_CHUNK_BYTES) {
    const data = piece.subarray(0, Math.min(FILE_API_CHUNK_BYTES, size - at)).toString('base64');
    const sent = await yoda.call('sendFileChunk', offer.value.transfer.id, data);
    if (!sent.ok) throw new Error(sent.error.code);
  }
  await yoda.call('sendFileEnd', offer.value.transfer.id);
  await done;
  const ms = performance.now() - started;
  clearInterval(sampler);
  console.log(
    JSON.stringify({
      bytes: size,
      ms: round(ms),
      mbPerSecond: round(size / 1024 / 1024 / (ms / 1000)),
      peakRssAboveBaselineMb: round((peak - baseline) / 1024 / 1024),
    }),
  );
  await Promise.all([yoda.dispose(), hans.dispose()]);
  await server.close();
  await rm(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
