/**
 * Files (docs/protocol.md, "Files"): a 25 MiB file uploaded and downloaded through the server (a
 * spawned server on SQLite, the files folder beside it), each against the loopback floor measured
 * in the same run (the same bytes through a plain `net` socket, no framing, no storage); then the
 * server's memory while ten users upload a 25 MiB file each at once. Then the same file up and down
 * through a server that keeps its files in an S3 bucket (--s3-bucket) served by s3rver, an S3
 * emulator in Node running inside this process on loopback: a figure for our S3 adapter's overhead
 * on this machine, not for any cloud service (whose latency and bandwidth decide there).
 *
 * Clients move files as docs/protocol.md tells them to: chunks of FILE_CHUNK_MAX_BYTES, base64,
 * at most FILE_WINDOW_CHUNKS unanswered. The file content is built chunk by chunk from a 1 MiB
 * random block (a different one per file, so nothing is de-duplicated), so the bench process does
 * not hold the files either.
 *
 *   node --import tsx bench/files.ts [--megabytes 25] [--parallel 10]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import S3rver from 's3rver';
import { FILE_CHUNK_MAX_BYTES, FILE_MAX_BYTES, FILE_WINDOW_CHUNKS } from '../src/shared/limits.js';
import { openLoggedIn, type Client } from './lib/client.js';
import { runScript } from './lib/pool.js';
import { PASSWORD, rssBytes, startOurServer, userNames, type Running } from './lib/servers.js';
import { round, sleep } from './lib/stats.js';

const MiB = 1024 * 1024;

export interface FilesResult {
  bytes: number;
  /** MiB/s of one upload, of one download, and of the plain socket copy (the floor). */
  uploadMiBps: number;
  downloadMiBps: number;
  floorMiBps: number;
  parallel: number;
  /** Server RSS before the parallel uploads, and the most it reached during them (MiB). */
  rssBeforeMiB: number;
  rssPeakMiB: number;
  parallelSeconds: number;
  /** The same file up and down with the server's files in a bucket of s3rver (a local emulator). */
  s3UploadMiBps: number;
  s3DownloadMiBps: number;
}

/** A file of `size` bytes made of one random MiB repeated: any range without holding the whole. */
class SyntheticFile {
  private readonly block = randomBytes(MiB);
  readonly sha256: string;

  constructor(readonly size: number) {
    const hash = createHash('sha256');
    for (let at = 0; at < size; at += MiB) hash.update(this.range(at, Math.min(MiB, size - at)));
    this.sha256 = hash.digest('hex');
  }

  range(offset: number, length: number): Buffer {
    const start = offset % MiB;
    if (start + length <= MiB) return this.block.subarray(start, start + length);
    return Buffer.concat([this.block.subarray(start), this.block.subarray(0, start + length - MiB)]);
  }
}

/** Runs `send` for every chunk, at most the protocol's window unanswered. */
async function windowed(size: number, send: (offset: number, length: number) => Promise<unknown>) {
  const inFlight: Promise<unknown>[] = [];
  for (let offset = 0; offset < size; offset += FILE_CHUNK_MAX_BYTES) {
    if (inFlight.length >= FILE_WINDOW_CHUNKS) await inFlight.shift();
    inFlight.push(send(offset, Math.min(FILE_CHUNK_MAX_BYTES, size - offset)));
  }
  await Promise.all(inFlight);
}

async function upload(client: Client, file: SyntheticFile): Promise<string> {
  const started = await client.request('upload_start', {
    name: 'bench.bin',
    size: file.size,
    sha256: file.sha256,
    mime: 'application/octet-stream',
  });
  const id = started['upload'] as string;
  await windowed(file.size, (offset, length) =>
    client.request('upload_chunk', {
      upload: id,
      offset,
      data: file.range(offset, length).toString('base64'),
    }),
  );
  return id;
}

/** Downloads the file of message `messageId` and checks its hash; resolves with the seconds taken. */
async function download(client: Client, messageId: number, file: SyntheticFile): Promise<number> {
  const hash = createHash('sha256');
  const t0 = performance.now();
  const parts: Promise<Record<string, unknown>>[] = [];
  let next = 0;
  // Hashing in order while the next ranges are in flight.
  const take = async () => hash.update(Buffer.from((await parts[next++])?.['data'] as string, 'base64'));
  for (let offset = 0; offset < file.size; offset += FILE_CHUNK_MAX_BYTES) {
    if (parts.length - next >= FILE_WINDOW_CHUNKS) await take();
    parts.push(client.request('download_chunk', { messageId, offset, length: FILE_CHUNK_MAX_BYTES }));
  }
  while (next < parts.length) await take();
  const seconds = (performance.now() - t0) / 1000;
  if (hash.digest('hex') !== file.sha256) throw new Error('the downloaded file does not match its hash');
  return seconds;
}

/** The same bytes through a plain loopback socket: the fastest any protocol could move them here. */
async function loopbackFloor(file: SyntheticFile): Promise<number> {
  let received = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const server = net.createServer((socket) =>
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= file.size) done();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const t0 = performance.now();
  for (let at = 0; at < file.size; at += FILE_CHUNK_MAX_BYTES) {
    const ok = socket.write(file.range(at, Math.min(FILE_CHUNK_MAX_BYTES, file.size - at)));
    if (!ok) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  socket.destroy();
  server.close();
  return file.size / MiB / seconds;
}

const QUIET = { onReceipt: () => undefined };
const openAll = (server: Running, names: readonly string[]) => openLoggedIn(server, names, PASSWORD, QUIET);

/** Ten (or `parallel`) users upload a file each at once; the server's RSS is sampled meanwhile. */
async function parallelUploads(server: Running, names: string[], size: number) {
  const clients = await openAll(server, names);
  const files = names.map(() => new SyntheticFile(size));
  await sleep(500);
  const before = rssBytes(server.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid))), 20);
  const t0 = performance.now();
  await Promise.all(clients.map((client, i) => upload(client, files[i] as SyntheticFile)));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, rssBytes(server.pid));
  await Promise.all(clients.map((c) => c.close()));
  return {
    rssBeforeMiB: round(before / MiB),
    rssPeakMiB: round(peak / MiB),
    parallelSeconds: round(seconds),
  };
}

/** One file up (as names[0]) and down (as names[1]) through `server`: MiB/s each way. */
async function upAndDown(server: Running, names: string[], file: SyntheticFile) {
  const [sender, recipient] = (await openAll(server, names.slice(0, 2))) as [Client, Client];
  const t0 = performance.now();
  const id = await upload(sender, file);
  const uploadSeconds = (performance.now() - t0) / 1000;
  const sent = await sender.request('message', { to: names[1], file: id });
  const messageId = (sent['message'] as { id: number }).id;
  const downloadSeconds = await download(recipient, messageId, file);
  await Promise.all([sender.close(), recipient.close()]);
  const megabytes = file.size / MiB;
  return { uploadMiBps: round(megabytes / uploadSeconds), downloadMiBps: round(megabytes / downloadSeconds) };
}

const BUCKET = 'bench-files';

/** The server's flags and environment for a bucket of an s3rver started here; stop() ends it. */
async function startEmulatedBucket() {
  const directory = mkdtempSync(join(tmpdir(), 'bench-s3-'));
  const configureBuckets = [{ name: BUCKET, configs: [] }];
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets });
  const { port } = await s3.run();
  // s3rver's fixed credentials, which the spawned server reads from the standard AWS variables.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    args: ['--s3-bucket', BUCKET, '--s3-endpoint', endpoint, '--s3-force-path-style'],
    stop: async () => {
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The file up and down through a server whose files are in an emulated bucket. */
async function s3UpAndDown(file: SyntheticFile, names: string[]) {
  const bucket = await startEmulatedBucket();
  try {
    const maxFileBytes = Math.max(file.size, FILE_MAX_BYTES);
    const server = await startOurServer({
      users: names,
      kdfCost: 1024,
      maxFileBytes,
      extraArgs: bucket.args,
    });
    try {
      const { uploadMiBps, downloadMiBps } = await upAndDown(server, names, file);
      return { s3UploadMiBps: uploadMiBps, s3DownloadMiBps: downloadMiBps };
    } finally {
      await server.stop();
    }
  } finally {
    await bucket.stop();
  }
}

export async function filesBench(megabytes = 25, parallel = 10): Promise<FilesResult> {
  const size = megabytes * MiB;
  const names = userNames('f', parallel + 2);
  const file = new SyntheticFile(size);
  const server = await startOurServer({
    users: names,
    kdfCost: 1024,
    maxFileBytes: Math.max(size, FILE_MAX_BYTES),
  });
  let disk;
  try {
    const floorMiBps = await loopbackFloor(file);
    const oneFile = await upAndDown(server, names, file);
    const memory = await parallelUploads(server, names.slice(2), size);
    disk = { bytes: size, floorMiBps: round(floorMiBps), parallel, ...oneFile, ...memory };
  } finally {
    await server.stop();
  }
  return { ...disk, ...(await s3UpAndDown(file, names.slice(0, 2))) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { megabytes: { type: 'string', default: '25' }, parallel: { type: 'string', default: '10' } },
  });
  const r = await filesBench(Number(values.megabytes), Number(values.parallel));
  console.log(JSON.stringify(r, null, 2));
}

runScript(import.meta.url, main);
