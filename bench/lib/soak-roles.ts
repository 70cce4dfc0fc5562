/**
 * What each soak-test user does while the load runs (bench/soak.ts): direct-message senders,
 * broadcasters, history pagers, users who log in and out, slow readers and plain receivers. Every
 * user also receives and acks direct messages (SoakSession does that for all of them).
 */
import type { SoakLedger } from './soak-ledger.js';
import { dmText } from './soak-ledger.js';
import { SoakSession, type SoakContext } from './soak-session.js';
import { nowMicros, sleep } from './stats.js';

export const ROLES = ['sender', 'broadcaster', 'pager', 'churner', 'slow', 'receiver'] as const;
export type Role = (typeof ROLES)[number];

/** Share of the users in each role (the rest are receivers). */
const ROLE_SHARES: [Role, number][] = [
  ['sender', 0.3],
  ['broadcaster', 0.1],
  ['pager', 0.1],
  ['churner', 0.2],
  ['slow', 0.1],
];

export interface SoakUser {
  name: string;
  role: Role;
  /** Everyone sends direct messages through one of these, so a lost reply is resent in order. */
  sender: DmSender;
  /**
   * Pagers and slow readers: the senders who send them half their messages, so these users have
   * long conversations to page through.
   */
  partners: string[];
}

/** Share of a sender's messages that go to its one favourite recipient. */
const FAVOURITE_SHARE = 0.5;

/** Full history pages a slow reader asks for while it is not reading. */
const PAGES_WHILE_PAUSED = 8;
/** History pages walked per conversation, at most. */
const MAX_PAGES = 10;
/** Longest padding of a direct message's text (texts are 4,000 characters at most). */
const MAX_PADDING = 1500;

function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min));
}

/**
 * One user's outgoing direct messages. A message whose reply did not arrive (the connection or the
 * server died) stays pending and is sent again, with the same clientId, before any newer one: what
 * the app's offline queue does, and what keeps the order per sender.
 */
export class DmSender {
  private seq = 0;
  private pending: { to: string; seq: number; clientId: string } | undefined;

  constructor(
    readonly name: string,
    private readonly recipients: readonly string[],
    private readonly ctx: SoakContext,
    private readonly favourite?: string,
  ) {}

  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** Sends the pending message, or a new one; false when the connection closed before the reply. */
  async sendOne(session: SoakSession): Promise<boolean> {
    const sent = (this.pending ??= this.next());
    const started = nowMicros();
    const padding = (sent.seq * 7919) % MAX_PADDING;
    const text = dmText(this.name, sent.seq, padding);
    const reply = await session.request('message', { to: sent.to, text, clientId: sent.clientId });
    if (reply === 'closed') return false;
    this.pending = undefined;
    if (!reply.ok) {
      this.ctx.ledger.violation('send_refused', `${this.name}#${sent.seq} → ${sent.to}: ${reply.error.code}`);
      return true;
    }
    this.ctx.stats.latency(nowMicros() - started);
    this.ctx.ledger.acknowledge({ from: this.name, ...sent }, reply.result.message);
    return true;
  }

  private next(): { to: string; seq: number; clientId: string } {
    this.seq++;
    const random = this.ctx.random;
    const to =
      this.favourite !== undefined && random() < FAVOURITE_SHARE
        ? this.favourite
        : (this.recipients[Math.floor(random() * this.recipients.length)] as string);
    return { to, seq: this.seq, clientId: `soak-${this.name}-${this.seq}` };
  }
}

/** The users' names and roles: 30 % senders, 10 % each broadcasters, pagers and slow readers, 20 % churners. */
export function planUsers(count: number): { role: Role; name: string }[] {
  const roles: Role[] = [];
  for (const [role, share] of ROLE_SHARES) {
    for (let i = 0; i < Math.max(1, Math.round(count * share)); i++) roles.push(role);
  }
  while (roles.length < count) roles.push('receiver');
  return roles.slice(0, count).map((role, i) => ({ role, name: `${role}${i}` }));
}

export function makeUsers(named: { role: Role; name: string }[], ctx: SoakContext): SoakUser[] {
  const names = named.map((user) => user.name);
  const readers = named.filter((user) => user.role === 'pager' || user.role === 'slow').map((u) => u.name);
  const partners = new Map<string, string[]>(readers.map((name) => [name, []]));
  let nextReader = 0;
  return named.map(({ role, name }) => {
    const favourite = role === 'sender' ? readers[nextReader++ % readers.length] : undefined;
    if (favourite !== undefined) partners.get(favourite)?.push(name);
    const recipients = names.filter((other) => other !== name);
    return {
      name,
      role,
      sender: new DmSender(name, recipients, ctx, favourite),
      partners: partners.get(name) ?? [],
    };
  });
}

/** Runs one user's behaviour until the load phase ends. */
export async function runUser(user: SoakUser, ctx: SoakContext, everyone: readonly string[]): Promise<void> {
  const body = BODIES[user.role];
  while (!ctx.stopping()) {
    const session = await SoakSession.open(ctx, user.name, () => ctx.stopping());
    if (!session) return;
    const logout = await body(session, user, ctx, everyone);
    if (logout && !session.isClosed) await session.logout();
    else session.close();
    if (user.role === 'churner' && !ctx.stopping()) await sleep(between(ctx.random, 3000, 10_000));
  }
}

/** One session of a role; resolves true when the user logs out (rather than just going away). */
type Body = (
  session: SoakSession,
  user: SoakUser,
  ctx: SoakContext,
  everyone: readonly string[],
) => Promise<boolean>;

const active = (session: SoakSession, ctx: SoakContext) => !session.isClosed && !ctx.stopping();

const BODIES: Record<Role, Body> = {
  async sender(session, user, ctx) {
    while (active(session, ctx) && (await user.sender.sendOne(session))) {
      await sleep(between(ctx.random, 100, 400));
    }
    return false;
  },

  async broadcaster(session, user, ctx) {
    while (active(session, ctx)) {
      const reply = await session.request('broadcast', { text: `broadcast from ${user.name}` });
      if (reply === 'closed') break;
      if (reply.ok) {
        ctx.stats.broadcastsSent++;
        ctx.ledger.broadcastAcknowledged(user.name, reply.result.id);
      } else ctx.ledger.violation('broadcast_refused', `${user.name}: ${reply.error.code}`);
      await sleep(between(ctx.random, 1000, 3000));
    }
    return false;
  },

  async pager(session, user, ctx, everyone) {
    while (active(session, ctx)) {
      const peer = pickPeer(user, everyone, ctx.random);
      await pageHistory(session, peer, ctx, between(ctx.random, 50, 501));
      await sleep(between(ctx.random, 500, 2000));
    }
    return false;
  },

  /** Logs in, sends a few messages over 3–10 s, logs out (runUser then waits 3–10 s offline). */
  async churner(session, user, ctx) {
    const until = Date.now() + between(ctx.random, 3000, 10_000);
    while (active(session, ctx) && Date.now() < until && (await user.sender.sendOne(session))) {
      await sleep(between(ctx.random, 500, 1500));
    }
    return true;
  },

  /**
   * Reads for 2–5 s, then stops reading for 2–8 s (well within the server's slow-reader limits)
   * while asking for large history pages (a few MB), so its output backs up while others keep
   * sending to it.
   */
  async slow(session, user, ctx, everyone) {
    while (active(session, ctx)) {
      await sleep(between(ctx.random, 2000, 5000));
      session.pause();
      const pausedFor = between(ctx.random, 2000, 8000);
      const peer = pickPeer(user, everyone, ctx.random);
      const pages = Array.from({ length: PAGES_WHILE_PAUSED }, () =>
        session.request('history', { peer, limit: 500 }),
      );
      await sleep(pausedFor);
      session.resume();
      ctx.stats.pauses++;
      ctx.stats.pausedMs += pausedFor;
      await Promise.all(pages);
    }
    return false;
  },

  async receiver(session, _user, ctx) {
    while (active(session, ctx)) {
      await sleep(between(ctx.random, 2000, 5000));
      const reply = await session.request(ctx.random() < 0.5 ? 'whoelse' : 'conversations', {});
      if (reply === 'closed') break;
    }
    return false;
  },
};

/** Mostly one of the user's long conversations, sometimes anyone's. */
function pickPeer(user: SoakUser, everyone: readonly string[], random: () => number): string {
  const pool =
    user.partners.length > 0 && random() < 0.8 ? user.partners : everyone.filter((n) => n !== user.name);
  return pool[Math.floor(random() * pool.length)] as string;
}

/** Pages back through a conversation, checking each page against the protocol's promises. */
export async function pageHistory(
  session: SoakSession,
  peer: string,
  ctx: SoakContext,
  limit: number,
): Promise<void> {
  let before: number | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const reply = await session.request('history', { peer, limit, ...(before ? { before } : {}) });
    if (reply === 'closed') return;
    if (!reply.ok) {
      ctx.ledger.violation('history_refused', `${session.user} with ${peer}: ${reply.error.code}`);
      return;
    }
    const { messages, hasMore } = reply.result;
    checkPage(ctx.ledger, session.user, peer, messages, before);
    ctx.stats.historyPages++;
    ctx.stats.historyMessages += messages.length;
    if (!hasMore || messages.length === 0) return;
    before = messages[0]?.id;
  }
}

function checkPage(
  ledger: SoakLedger,
  me: string,
  peer: string,
  messages: { id: number; from: string; to?: string | undefined }[],
  before: number | undefined,
): void {
  let last = 0;
  for (const { id, from, to } of messages) {
    const between = (from === me && to === peer) || (from === peer && to === me);
    if (!between) ledger.violation('history_foreign_message', `${me} with ${peer}: ${id} ${from}→${to}`);
    if (id <= last) ledger.violation('history_order', `${me} with ${peer}: ${id} after ${last}`);
    if (before !== undefined && id >= before) {
      ledger.violation('history_page_overlap', `${me} with ${peer}: ${id} ≥ before ${before}`);
    }
    last = id;
  }
}
