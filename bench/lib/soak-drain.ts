/**
 * The end of a soak run (bench/soak.ts), after the load stopped and the server stayed up: every
 * sender resends what lost its reply, every user logs in, reads its whole offline backlog and acks
 * it, broadcasters check their broadcasts are in their history, and a last login of each user must
 * find nothing left undelivered.
 */
import type { SoakUser } from './soak-roles.js';
import { SoakSession, type SoakContext } from './soak-session.js';
import { sleep } from './stats.js';

const BROADCAST_PAGE = 500;

/** Runs `step` with a logged-in session of `user` until it reports done, or the deadline passes. */
async function withSessions(
  ctx: SoakContext,
  user: string,
  deadline: number,
  step: (session: SoakSession) => Promise<boolean>,
): Promise<void> {
  const late = () => Date.now() > deadline;
  while (!late()) {
    const session = await SoakSession.open(ctx, user, late);
    if (!session) break;
    const done = await step(session);
    if (!session.isClosed) await session.logout();
    if (done) return;
  }
  ctx.ledger.violation('drain_timeout', `${user}: the final phase did not finish in time`);
}

async function resendPending(user: SoakUser, session: SoakSession): Promise<boolean> {
  while (user.sender.hasPending) if (!(await user.sender.sendOne(session))) return false;
  return true;
}

/** Reads the backlog the login announced and acks it; true once the ack is confirmed. */
async function collectBacklog(session: SoakSession, deadline: number): Promise<boolean> {
  while (session.received < session.pendingOffline && !session.isClosed && Date.now() < deadline) {
    await sleep(50);
  }
  return session.received >= session.pendingOffline && (await session.flushAck());
}

/** Every broadcast the server acknowledged to this user is in its `broadcasts` history. */
async function checkBroadcastHistory(session: SoakSession, ctx: SoakContext): Promise<boolean> {
  const listed = new Set<number>();
  let before: number | undefined;
  for (;;) {
    const reply = await session.request('broadcasts', {
      limit: BROADCAST_PAGE,
      ...(before ? { before } : {}),
    });
    if (reply === 'closed') return false;
    if (!reply.ok) {
      ctx.ledger.violation('broadcasts_refused', `${session.user}: ${reply.error.code}`);
      return true;
    }
    for (const broadcast of reply.result.broadcasts) listed.add(broadcast.id);
    before = reply.result.broadcasts[0]?.id;
    if (!reply.result.hasMore || before === undefined) break;
  }
  for (const id of ctx.ledger.broadcastsSent.get(session.user) ?? []) {
    if (!listed.has(id)) ctx.ledger.violation('broadcast_missing_from_history', `${session.user}: ${id}`);
  }
  return true;
}

export async function drain(users: readonly SoakUser[], ctx: SoakContext, deadline: number): Promise<void> {
  const pending = users.filter((user) => user.sender.hasPending);
  await Promise.all(
    pending.map((user) => withSessions(ctx, user.name, deadline, (s) => resendPending(user, s))),
  );
  await Promise.all(
    users.map((user) =>
      withSessions(ctx, user.name, deadline, async (session) => {
        if (!(await collectBacklog(session, deadline))) return false;
        return user.role !== 'broadcaster' || checkBroadcastHistory(session, ctx);
      }),
    ),
  );
  await Promise.all(
    users.map((user) =>
      withSessions(ctx, user.name, deadline, async (session) => {
        if (session.pendingOffline > 0) {
          ctx.ledger.violation(
            'left_undelivered',
            `${user.name}: ${session.pendingOffline} after acking everything`,
          );
        }
        return true;
      }),
    ),
  );
}
