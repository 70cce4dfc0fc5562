/**
 * A message to a 100-member group: the time from the sender's request until the last of the other
 * 99 members has the message (read off their sockets, in this process), repeated, on a fresh
 * SQLite server. One message at a time, so each repeat measures the fan-out alone: one stored row
 * and 99 delivery rows, one bus publication, the same encoded line written to 99 sockets
 * (server/groups.ts). Prints the median and p99 over the repeats.
 *
 * With --react, a reaction instead: the members in turn add and remove 👍 on one group message, one
 * change at a time, and the time is until the other 99 (the sender included) have the `message_update`
 * (a store write that reads the message's reactions back, the delivery rows, one publication).
 *
 *   node --import tsx bench/group-fanout.ts [--members 100] [--repeats 200] [--react]
 */
import { parseArgs } from 'node:util';
import { openLoggedIn, type Client } from './lib/client.js';
import { runScript } from './lib/pool.js';
import { PASSWORD, startOurServer, userNames } from './lib/servers.js';
import { nowMicros, percentile, round, sleep } from './lib/stats.js';

export interface GroupFanoutResult {
  members: number;
  repeats: number;
  /** Milliseconds until the last member had it. */
  p50: number;
  p99: number;
}

export async function groupFanout(
  members: number,
  repeats: number,
  what: 'message' | 'reaction' = 'message',
): Promise<GroupFanoutResult> {
  const names = userNames('g', members);
  const server = await startOurServer({ users: names, kdfCost: 1024 });
  /** Per text: how many members have it, and when the last one did. */
  const arrivals = new Map<string, { count: number; lastMicros: number }>();
  /** Every message_update any member got, and when the last one came. */
  const updates = { count: 0, lastMicros: 0 };
  try {
    const clients = await openLoggedIn(server, names, PASSWORD, {
      onReceipt: (_client, receipt, atMicros) => {
        const seen = arrivals.get(receipt.text) ?? { count: 0, lastMicros: 0 };
        arrivals.set(receipt.text, {
          count: seen.count + 1,
          lastMicros: Math.max(seen.lastMicros, atMicros),
        });
      },
      onOtherEvent: (type) => {
        if (type !== 'message_update') return;
        updates.count++;
        updates.lastMicros = nowMicros();
      },
    });
    const sender = clients[0] as Client;
    const created = await sender.request('group_create', { name: 'bench', members: names.slice(1) });
    const group = (created['group'] as { id: number }).id;
    const latencies: number[] = [];
    if (what === 'reaction') {
      const { message } = (await sender.request('message', { group, text: 'react' })) as {
        message: { id: number };
      };
      while ((arrivals.get('react')?.count ?? 0) < members - 1) await sleep(1);
      // The reactors take turns (each connection may make 2 changes a second after a burst of 10):
      // each adds its 👍 in one round and takes it back in the next.
      const others = clients.slice(1);
      for (let i = 0; i < repeats; i++) {
        const reactor = others[i % others.length] as Client;
        const add = Math.floor(i / others.length) % 2 === 0;
        const started = nowMicros();
        await reactor.request('react', { messageId: message.id, emoji: '👍', add });
        while (updates.count < (i + 1) * (members - 1)) await sleep(1);
        latencies.push((updates.lastMicros - started) / 1000);
      }
    }
    for (let i = 0; what === 'message' && i < repeats; i++) {
      const text = `r${i}`;
      const started = nowMicros();
      await sender.request('message', { group, text });
      while ((arrivals.get(text)?.count ?? 0) < members - 1) await sleep(1);
      latencies.push(((arrivals.get(text)?.lastMicros ?? started) - started) / 1000);
    }
    await Promise.all(clients.map((c) => c.close()));
    latencies.sort((a, b) => a - b);
    return { members, repeats, p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      members: { type: 'string', default: '100' },
      repeats: { type: 'string', default: '200' },
      react: { type: 'boolean', default: false },
    },
  });
  const r = await groupFanout(
    Number(values.members),
    Number(values.repeats),
    values.react ? 'reaction' : 'message',
  );
  console.log('| members | repeats | last member has it, p50 ms | p99 ms |');
  console.log('|---|---|---|---|');
  console.log(`| ${r.members} | ${r.repeats} | ${r.p50} | ${r.p99} |`);
}

runScript(import.meta.url, main);
