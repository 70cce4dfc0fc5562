/**
 * What receipts cost the server (server/receipts.ts): the same open loop of direct messages, by
 * default 10,000 a second over 50 sender → recipient pairs on SQLite, recipients acknowledging as
 * the app does (every 64 messages or 20 ms, bench/lib/client.ts) and marking their chat read every
 * 100 ms, once with receipts pushed and once with --no-receipts, alternating, each run on a fresh
 * server. Prints per run the messages delivered a second, the receipt frames the senders got a
 * second, and the server's CPU time (user + system, /proc) per second of the measured window.
 *
 *   node --import tsx bench/receipts.ts [--rate 10000] [--pairs 50] [--seconds 10] [--runs 2]
 */
import { parseArgs } from 'node:util';
import { openLoggedIn, type Client, type LoadClient } from './lib/client.js';
import { runScript } from './lib/pool.js';
import { cpuMillis, PASSWORD, startOurServer, userNames, type Running } from './lib/servers.js';
import { sleep } from './lib/stats.js';

const TICK_MS = 10;
const READ_EVERY_MS = 100;
const WARMUP_MS = 2000;

interface RunResult {
  mode: 'on' | 'off';
  delivered: number;
  receiptFrames: number;
  cpuMsPerSecond: number;
}

function openClients(
  server: Running,
  names: string[],
  onMessage: (client: LoadClient) => void,
  onReceiptFrame: () => void = () => undefined,
): Promise<Client[]> {
  return openLoggedIn(server, names, PASSWORD, {
    onReceipt: (client) => onMessage(client),
    onOtherEvent: (type) => {
      if (type === 'receipt') onReceiptFrame();
    },
  });
}

async function run(mode: 'on' | 'off', rate: number, pairs: number, seconds: number): Promise<RunResult> {
  const senders = userNames('s', pairs);
  const recipients = userNames('r', pairs);
  const server = await startOurServer({
    users: [...senders, ...recipients],
    kdfCost: 1024,
    receipts: mode === 'on',
  });
  try {
    let delivered = 0;
    const receiving = await openClients(server, recipients, () => delivered++);
    let receiptFrames = 0;
    const sending = await openClients(
      server,
      senders,
      () => undefined,
      () => receiptFrames++,
    );
    let sent = 0;
    const perTick = (rate * TICK_MS) / 1000 / pairs;
    let owed = 0;
    const ticker = setInterval(() => {
      owed += perTick;
      const now = Math.floor(owed);
      owed -= now;
      for (let i = 0; i < pairs; i++) {
        for (let k = 0; k < now; k++)
          (sending[i] as Client).sendNoWait(recipients[i] as string, `m${sent++}`);
      }
    }, TICK_MS);
    // The read mark moves to the newest message of each chat, as an open, focused chat does; the
    // server refuses a mark past what it stored, so each asks for the newest id it can name.
    const reader = setInterval(() => {
      for (let i = 0; i < pairs; i++) {
        const client = receiving[i] as Client;
        void client.request('history', { peer: senders[i], limit: 1 }).then(
          (page) => {
            const newest = (page['messages'] as { id: number }[] | undefined)?.at(-1)?.id;
            if (newest !== undefined)
              void client.request('markread', { peer: senders[i], upTo: newest }).catch(() => undefined);
          },
          () => undefined,
        );
      }
    }, READ_EVERY_MS);
    await sleep(WARMUP_MS);
    const framesBefore = receiptFrames;
    const deliveredBefore = delivered;
    const cpuBefore = cpuMillis(server.pid);
    await sleep(seconds * 1000);
    const cpuAfter = cpuMillis(server.pid);
    const frames = receiptFrames - framesBefore;
    clearInterval(ticker);
    clearInterval(reader);
    await Promise.all([...sending, ...receiving].map((c) => c.close()));
    return {
      mode,
      delivered: Math.round((delivered - deliveredBefore) / seconds),
      receiptFrames: Math.round(frames / seconds),
      cpuMsPerSecond: Math.round((cpuAfter - cpuBefore) / seconds),
    };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '10000' },
      pairs: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      runs: { type: 'string', default: '2' },
    },
  });
  const [rate, pairs, seconds, runs] = [values.rate, values.pairs, values.seconds, values.runs].map(
    Number,
  ) as [number, number, number, number];
  console.log(
    `receipts: ${rate} msg/s over ${pairs} pairs, ${seconds} s measured per run, ${runs} runs each`,
  );
  console.log('| receipts | delivered msg/s | receipt frames/s | server CPU ms/s |');
  console.log('|---|---|---|---|');
  for (let i = 0; i < runs; i++) {
    for (const mode of ['on', 'off'] as const) {
      const r = await run(mode, rate, pairs, seconds);
      console.log(`| ${r.mode} | ${r.delivered} | ${r.receiptFrames} | ${r.cpuMsPerSecond} |`);
    }
  }
}

runScript(import.meta.url, main);
