/**
 * Load-generator worker: a separate Node process (child_process.fork) that holds many client
 * connections and runs one phase at a time on the orchestrator's command. Every loop here is bounded
 * by a count and a deadline, and the process exits when its parent goes away.
 */
import { Client, type Kind, type LoadClient, type Receipt } from './client.js';
import { XmppClient } from './xmpp-client.js';
import { nowMicros, sleep } from './stats.js';
import type { WorkerCommand, WorkerStats } from './protocol.js';

/** How long a login refused with rate_limited waits before it is tried again. */
const RATE_LIMITED_RETRY_MS = 250;

const MAX_SAMPLES = 2_000_000;

const clients: LoadClient[] = [];
let phase = 'idle';
let latencies = new Float64Array(1024);
let latencyCount = 0;
let received = 0;
let receivedOffline = 0;
let lastReceiptAt = 0;
let sent = 0;
let replies = 0;
let errors = 0;
const errorCodes: Record<string, number> = {};

function noteError(error: unknown): void {
  errors++;
  const code = error instanceof Error ? error.message : String(error);
  errorCodes[code] = (errorCodes[code] ?? 0) + 1;
}

function onReceipt(_client: LoadClient, receipt: Receipt, at: number): void {
  const dot = receipt.text.indexOf('.');
  if (dot === -1 || receipt.text.slice(0, dot) !== phase) return;
  received++;
  if (receipt.offline) receivedOffline++;
  lastReceiptAt = at;
  const sentAt = Number(receipt.text.slice(dot + 1));
  if (latencyCount < MAX_SAMPLES) {
    if (latencyCount === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[latencyCount++] = at - sentAt;
  }
}

const hooks = { onReceipt, onOrphanError: (code: string) => noteError(new Error(code)) };

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

function peerOf(self: string, peers: readonly string[]): string {
  for (let i = 0; i < 8; i++) {
    const p = pick(peers);
    if (p !== self) return p;
  }
  return peers.find((p) => p !== self) ?? self;
}

async function connectAll(cmd: Extract<WorkerCommand, { cmd: 'connect' }>): Promise<Record<string, unknown>> {
  const started = Date.now();
  let ok = 0;
  let failed = 0;
  let abandoned = 0;
  let next = 0;
  const deadline = started + cmd.budgetMs;
  const firstError: string[] = [];
  const loginMicros: number[] = [];
  let rateLimited = 0;
  const lane = async (): Promise<void> => {
    let retry: number | undefined;
    while ((retry !== undefined || next < cmd.names.length) && Date.now() < deadline) {
      if (cmd.stopOnFailure && failed > 0) return;
      const index = retry ?? next++;
      retry = undefined;
      const name = cmd.names[index] as string;
      const t0 = nowMicros();
      try {
        const client = await openClient(cmd, name, {
          localAddress: cmd.localAddresses.length
            ? cmd.localAddresses[index % cmd.localAddresses.length]
            : undefined,
          // In-flight connections end with the budget too, so a slow peer cannot stretch the phase.
          timeoutMs: Math.max(1, Math.min(cmd.timeoutMs, deadline - Date.now())),
        });
        loginMicros.push(nowMicros() - t0);
        client.quiet = cmd.quiet;
        clients.push(client);
        ok++;
      } catch (error) {
        // Cut off by the phase budget: not a refusal by the server.
        if (Date.now() >= deadline - 50) {
          abandoned++;
          continue;
        }
        // The server's KDF gate asks logins to come back later when its queue is long (as the app
        // does, this client tries again): that is back-pressure, not a refused connection.
        if (error instanceof Error && error.message === 'rate_limited') {
          rateLimited++;
          retry = index;
          await sleep(RATE_LIMITED_RETRY_MS);
          continue;
        }
        failed++;
        if (firstError.length < 3) firstError.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.concurrency) }, lane));
  return { ok, failed, abandoned, rateLimited, ms: Date.now() - started, errors: firstError, loginMicros };
}

function openClient(
  cmd: Extract<WorkerCommand, { cmd: 'connect' }>,
  name: string,
  connection: { localAddress: string | undefined; timeoutMs: number },
): Promise<LoadClient> {
  const common = { host: cmd.host, port: cmd.port, name, password: cmd.password, hooks, ...connection };
  if (cmd.kind !== 'xmpp') {
    return Client.open({ ...common, kind: cmd.kind, join: cmd.join, watchPresence: cmd.watchPresence });
  }
  if (cmd.domain === undefined) throw new Error('an XMPP connect needs the domain');
  return XmppClient.open({ ...common, domain: cmd.domain });
}

/** Closed loop: every client keeps `window` messages in flight until the deadline. */
async function closedLoop(cmd: Extract<WorkerCommand, { cmd: 'closed' }>): Promise<Record<string, unknown>> {
  const deadline = Date.now() + cmd.durationMs;
  const lane = async (client: LoadClient): Promise<void> => {
    let count = 0;
    while (Date.now() < deadline && !client.closed && count < cmd.maxPerClient) {
      count++;
      sent++;
      try {
        await client.send(peerOf(client.name, cmd.peers), `${phase}.${nowMicros()}`);
        replies++;
      } catch (error) {
        noteError(error);
        if (client.closed) return;
      }
    }
  };
  const lanes: Promise<void>[] = [];
  for (const client of clients) for (let w = 0; w < cmd.window; w++) lanes.push(lane(client));
  await Promise.all(lanes);
  return {};
}

/** Open loop at a fixed rate; each message carries its scheduled send time (no coordinated omission). */
async function openLoop(cmd: Extract<WorkerCommand, { cmd: 'open' }>): Promise<Record<string, unknown>> {
  if (clients.length === 0 || cmd.rate <= 0) return { scheduled: 0, behindMs: 0 };
  const start = nowMicros();
  const total = Math.round((cmd.rate * cmd.durationMs) / 1000);
  const interval = 1e6 / cmd.rate;
  let issued = 0;
  let maxBehind = 0;
  let rr = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = nowMicros();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      if (due - issued > 1) maxBehind = Math.max(maxBehind, now - (start + issued * interval));
      while (issued < due) {
        const client = clients[rr++ % clients.length] as LoadClient;
        if (!client.closed) {
          client.sendNoWait(
            peerOf(client.name, cmd.peers),
            `${phase}.${Math.round(start + issued * interval)}`,
          );
          sent++;
        }
        issued++;
      }
      if (issued >= total || now - start > cmd.durationMs * 1000 * 3) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  return { scheduled: total, issued, behindMs: maxBehind / 1000 };
}

async function seed(cmd: Extract<WorkerCommand, { cmd: 'seed' }>): Promise<Record<string, unknown>> {
  const deadline = Date.now() + cmd.budgetMs;
  const started = Date.now();
  const lane = async (client: LoadClient, count: number): Promise<void> => {
    let done = 0;
    let backoff = 1;
    while (done < count && Date.now() < deadline && !client.closed) {
      try {
        await client.send(cmd.to, `${cmd.tag}.${nowMicros()}`);
        done++;
        sent++;
        backoff = 1;
      } catch (error) {
        noteError(error);
        if (client.closed) return;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 200);
      }
    }
  };
  const lanes: Promise<void>[] = [];
  const perLane = Math.ceil(cmd.perClient / cmd.window);
  for (const client of clients) {
    let left = cmd.perClient;
    for (let w = 0; w < cmd.window && left > 0; w++) {
      const n = Math.min(perLane, left);
      left -= n;
      lanes.push(lane(client, n));
    }
  }
  await Promise.all(lanes);
  return { sent, ms: Date.now() - started };
}

/** Logs one user in and waits until `expected` tagged messages arrived (or the budget ran out). */
async function backlog(cmd: Extract<WorkerCommand, { cmd: 'backlog' }>): Promise<Record<string, unknown>> {
  phase = cmd.tag;
  received = 0;
  receivedOffline = 0;
  const t0 = nowMicros();
  const client = await Client.open({
    kind: 'ours',
    host: cmd.host,
    port: cmd.port,
    name: cmd.name,
    password: cmd.password,
    hooks,
    timeoutMs: cmd.budgetMs,
  });
  const loginMs = (nowMicros() - t0) / 1000;
  clients.push(client);
  const deadline = Date.now() + cmd.budgetMs;
  while (received < cmd.expected && Date.now() < deadline && !client.closed) await sleep(2);
  return {
    loginMs,
    received,
    receivedOffline,
    lastMs: received > 0 ? (lastReceiptAt - t0) / 1000 : Number.NaN,
  };
}

/** Login churn: each lane logs its own user in and out as fast as it can until the deadline. */
async function loginLoop(
  cmd: Extract<WorkerCommand, { cmd: 'loginLoop' }>,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + cmd.durationMs;
  const loginMicros: number[] = [];
  let ok = 0;
  let failed = 0;
  const lane = async (name: string): Promise<void> => {
    let rounds = 0;
    while (Date.now() < deadline && rounds++ < 100_000) {
      const t0 = nowMicros();
      try {
        const client = await Client.open({
          kind: 'ours',
          host: cmd.host,
          port: cmd.port,
          name,
          password: cmd.password,
          hooks,
          timeoutMs: 30_000,
        });
        loginMicros.push(nowMicros() - t0);
        ok++;
        await client.request('logout', {}).catch(noteError);
        await client.close();
      } catch (error) {
        failed++;
        noteError(error);
        await sleep(50);
      }
    }
  };
  await Promise.all(cmd.names.map(lane));
  return { ok, failed, loginMicros };
}

function stats(): WorkerStats {
  const bytesIn = clients.reduce((sum, c) => sum + c.bytesIn, 0);
  const linesIn = clients.reduce((sum, c) => sum + c.linesIn, 0);
  return {
    clients: clients.filter((c) => !c.closed).length,
    sent,
    replies,
    errors,
    errorCodes: { ...errorCodes },
    received,
    receivedOffline,
    lastReceiptAt,
    bytesIn,
    linesIn,
    latencies: latencies.slice(0, latencyCount),
  };
}

async function handle(cmd: WorkerCommand): Promise<unknown> {
  switch (cmd.cmd) {
    case 'connect':
      return connectAll(cmd);
    case 'reset':
      phase = cmd.phase;
      latencies = new Float64Array(1024);
      latencyCount = 0;
      received = receivedOffline = sent = replies = errors = lastReceiptAt = 0;
      for (const key of Object.keys(errorCodes)) delete errorCodes[key];
      for (const c of clients) c.quiet = cmd.quiet;
      return {};
    case 'closed':
      return closedLoop(cmd);
    case 'open':
      return openLoop(cmd);
    case 'broadcast': {
      const client = clients[0];
      if (!client) throw new Error('no client to broadcast from');
      const t0 = nowMicros();
      const result = await client.broadcast(`${phase}.${t0}`, cmd.channel);
      return { sentAt: t0, result };
    }
    case 'seed':
      return seed(cmd);
    case 'backlog':
      return backlog(cmd);
    case 'loginLoop':
      return loginLoop(cmd);
    case 'stats':
      return stats();
    case 'closeAll': {
      const all = clients.splice(0);
      if (cmd.destroy) for (const c of all) c.destroy();
      else await Promise.all(all.map((c) => c.close()));
      return {};
    }
    case 'exit':
      for (const c of clients) c.destroy();
      setImmediate(() => process.exit(0));
      return {};
  }
}

export type { Kind };

process.on('message', (message: { seq: number; command: WorkerCommand }) => {
  handle(message.command).then(
    (result) => process.send?.({ seq: message.seq, result }),
    (error: unknown) =>
      process.send?.({ seq: message.seq, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
