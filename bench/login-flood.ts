/**
 * `npx tsx bench/login-flood.ts [flooders] [seconds] [login|checkuser]`: direct-message round trips
 * while a login flood hits the server (issue 13 item 3; docs/security.md "Authentication").
 *
 * The server runs with its production defaults (scrypt N = 16384, every abuse limit on). yoda and
 * hans are logged in. A child process keeps `flooders` connections logging in as yoda with the
 * right password, one attempt after another per connection, reconnecting whenever the server closes
 * one. With `checkuser` they send that cheap request instead, for comparison: a flood that costs no
 * KDF. Meanwhile yoda sends hans one direct message at a time (20 ms apart) and times each reply.
 * Prints one JSON line: the round trips' median, 90th percentile and maximum (ms), how many DMs
 * were answered, and the replies the flood got, by outcome.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FrameDecoder } from '../src/shared/codec.js';
import { Client } from './lib/client.js';
import { stopChild, waitForLine } from './lib/servers.js';
import { nowMicros, percentile, round, sleep } from './lib/stats.js';

const FLOODER_FLAG = '--flooder';
const PASSWORD = 'flood-bench-pw';
const DM_PAUSE_MS = 20;

/** The child's side: `count` connections logging in as yoda back to back; reports outcomes each second. */
function runFlood(port: number, count: number, request: string): void {
  const outcomes: Record<string, number> = {};
  const open = (): void => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const decoder = new FrameDecoder(Number.MAX_SAFE_INTEGER);
    let id = 1;
    const attempt = (): void => {
      id += 1;
      socket.write(
        request === 'checkuser'
          ? `{"type":"checkuser","id":${id},"username":"yoda"}\n`
          : `{"type":"login","id":${id},"username":"yoda","password":"${PASSWORD}"}\n`,
      );
    };
    socket.on('connect', () => {
      socket.write('{"type":"hello","id":1,"version":1}\n');
      attempt();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const line of decoder.push(chunk)) {
        const frame = JSON.parse(line) as { id?: number; ok?: boolean; error?: { code: string } };
        if (frame.id === undefined || frame.id === 1) continue;
        const outcome = frame.ok ? 'ok' : (frame.error?.code ?? 'error');
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        attempt();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => setTimeout(open, 10));
  };
  for (let i = 0; i < count; i += 1) open();
  setInterval(() => process.send?.(outcomes), 1_000);
}

async function startServer(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const credentials = join(dir, 'credentials.txt');
  writeFileSync(credentials, `yoda ${PASSWORD}\nhans ${PASSWORD}\n`);
  const main = fileURLToPath(new URL('../server/main.ts', import.meta.url));
  const args = ['--import', 'tsx', main, '--port', '0', '--block-duration', '60', '--timeout', '0'];
  const child = spawn(
    process.execPath,
    [...args, '--db', join(dir, 'flood.db'), '--credentials', credentials],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const match = await waitForLine(child, /listening on [^\s]+:(\d+)/, 60_000);
  child.stdout.resume();
  child.stderr.resume();
  return { port: Number(match[1]), stop: () => stopChild(child, 5_000) };
}

async function measure(flooders: number, seconds: number, request: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'login-flood-'));
  const server = await startServer(dir);
  const hooks = { onReceipt: () => undefined };
  const open = (name: string) =>
    Client.open({
      kind: 'ours',
      host: '127.0.0.1',
      port: server.port,
      name,
      password: PASSWORD,
      hooks,
      timeoutMs: 60_000,
    });
  const yoda = await open('yoda');
  const hans = await open('hans');
  const flood = fork(
    fileURLToPath(import.meta.url),
    [FLOODER_FLAG, String(server.port), String(flooders), request],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  let outcomes: Record<string, number> = {};
  flood.on('message', (message) => (outcomes = message as Record<string, number>));
  const samples: number[] = [];
  try {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      const t0 = nowMicros();
      await yoda.send('hans', `ping ${samples.length}`);
      samples.push((nowMicros() - t0) / 1000);
      await sleep(DM_PAUSE_MS);
    }
  } finally {
    flood.kill('SIGKILL');
    await yoda.close();
    await hans.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = samples.sort((a, b) => a - b);
  const result = {
    flooders,
    request,
    seconds,
    dmsAnswered: sorted.length,
    rttMs: {
      p50: round(percentile(sorted, 50), 1),
      p90: round(percentile(sorted, 90), 1),
      max: round(sorted.at(-1) ?? Number.NaN, 1),
    },
    floodOutcomes: outcomes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[2] === FLOODER_FLAG) {
  runFlood(Number(process.argv[3]), Number(process.argv[4]), process.argv[5] ?? 'login');
} else {
  const { positionals } = parseArgs({ allowPositionals: true });
  const [flooders = 150, seconds = 20] = positionals.slice(0, 2).map(Number);
  const request = positionals[2] ?? 'login';
  if (
    ![flooders, seconds].every((n) => Number.isInteger(n) && n >= 0) ||
    !['login', 'checkuser'].includes(request)
  ) {
    throw new Error('usage: bench/login-flood.ts [flooders] [seconds] [login|checkuser]');
  }
  await measure(flooders, seconds, request);
}
