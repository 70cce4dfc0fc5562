/**
 * What survives a SIGKILL of the durable peer (docs/performance.md, "ejabberd, the durable peer"):
 * for each storage configuration, a sender sends messages to an offline user, each followed by a
 * ping whose reply says ejabberd has handled it (the closed loop's reply); right after the last
 * reply ejabberd is SIGKILLed, started again on the same spool, and the recipient logs in. Printed:
 * how many of the acknowledged messages mod_offline delivers, and how many the sender's MAM archive
 * counts. `npx tsx bench/ejabberd-durability.ts [--messages N] [--rounds R] [--backends sqlite,mnesia]`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { killAllChildren } from './lib/pool.js';
import { restartEjabberd, startEjabberd, XMPP_DOMAIN, type EjabberdBackend } from './lib/ejabberd.js';
import { waitUntil, type Running } from './lib/servers.js';
import { XmppClient } from './lib/xmpp-client.js';
import type { ClientHooks } from './lib/client.js';

const PASSWORD = 'probe-pw';

export interface ProbeResult {
  backend: EjabberdBackend;
  acknowledged: number;
  /** Offline messages the recipient got after the restart. */
  deliveredAfterKill: number;
  /** Messages in the sender's archive after the restart (XEP-0313 count). */
  archivedAfterKill: number;
}

function open(server: Running, name: string, hooks: ClientHooks): Promise<XmppClient> {
  return XmppClient.open({
    host: server.host,
    port: server.port,
    domain: XMPP_DOMAIN,
    name,
    password: PASSWORD,
    hooks,
    timeoutMs: 30_000,
  });
}

/**
 * Logs in to an ejabberd that has just been restarted. Its listener opens before its SQL pool has
 * connected, and until then SASL answers not-authorized, so a refusal is retried for up to 20 s; an
 * account that was really lost is still refused then.
 */
async function openAfterRestart(server: Running, name: string, hooks: ClientHooks): Promise<XmppClient> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await open(server, name, hooks);
    } catch (error) {
      const refused = error instanceof Error && /SASL refused/.test(error.message);
      if (!refused) throw error;
      if (Date.now() > deadline)
        throw new Error(`${String(error)}\nejabberd's log ends:\n${logTail(server)}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function logTail(server: Running): string {
  try {
    return readFileSync(join(server.dir, 'log', 'ejabberd.log'), 'utf8').slice(-3000);
  } catch (error) {
    return String(error);
  }
}

/** The number of messages in the user's own archive (RSM max 0: only the count comes back). */
async function archiveCount(client: XmppClient): Promise<number> {
  const result = await client.iq(
    'set',
    "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>0</max></set></query>",
  );
  const match = /<count>(\d+)<\/count>/.exec(result);
  if (!match) throw new Error(`no count in the MAM answer: ${result}`);
  return Number(match[1]);
}

export async function probe(backend: EjabberdBackend, messages: number): Promise<ProbeResult> {
  const first = await startEjabberd({ backend, users: ['sender', 'inbox'], password: PASSWORD });
  let second: Running | undefined;
  try {
    const sender = await open(first, 'sender', { onReceipt: () => undefined });
    for (let i = 0; i < messages; i++) await sender.send('inbox', `probe.${i}`);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    second = await restartEjabberd(first);
    let delivered = 0;
    const inbox = await openAfterRestart(second, 'inbox', { onReceipt: () => delivered++ });
    let last = -1;
    let stableSince = Date.now();
    const loggedInAt = Date.now();
    // Offline messages arrive after initial presence, a while later on a loaded machine. Done when
    // all have come, or some have and the count has not moved for 1 s, or none have in 10 s.
    await waitUntil(
      () => {
        if (delivered !== last) [last, stableSince] = [delivered, Date.now()];
        if (delivered >= messages) return true;
        return delivered > 0 ? Date.now() - stableSince > 1000 : Date.now() - loggedInAt > 10_000;
      },
      20_000,
      50,
    );
    const archived = await archiveCount(
      await openAfterRestart(second, 'sender', { onReceipt: () => undefined }),
    );
    inbox.destroy();
    return { backend, acknowledged: messages, deliveredAfterKill: delivered, archivedAfterKill: archived };
  } finally {
    await (second ?? first).stop();
  }
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--messages <n>', 'messages per round', (v) => Number.parseInt(v, 10), 300)
    .option('--rounds <n>', 'rounds per backend', (v) => Number.parseInt(v, 10), 3)
    .option('--backends <list>', 'sqlite, mnesia or both', 'sqlite,mnesia')
    .parse()
    .opts<{ messages: number; rounds: number; backends: string }>();
  for (const backend of o.backends.split(',') as EjabberdBackend[]) {
    for (let round = 0; round < o.rounds; round++) {
      process.stdout.write(`${JSON.stringify(await probe(backend, o.messages))}\n`);
    }
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.once('SIGINT', () => {
    killAllChildren();
    process.exit(130);
  });
  main().then(
    () => killAllChildren(),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      killAllChildren();
      process.exit(1);
    },
  );
}
