/**
 * Group conversations: membership (create, add, remove, leave, rename, admins), messages to a
 * group, their history and read marks, and typing to a group.
 *
 * Fan-out: a group's frame is encoded once and published once on the bus with the list of its
 * recipients (BroadcastEvent.to); each node hands the same line to those of its own users, minus
 * those who blocked the sender. The store keeps one row per message and a delivery row per
 * recipient, so an offline member gets it at login like a direct message.
 */
import { encodeFrame } from '../src/shared/codec.js';
import { GROUPS_CREATED_MAX, GROUP_MEMBERS_MAX, TYPING_TTL_MS } from '../src/shared/limits.js';
import type {
  DirectMessage,
  GroupInfo,
  RequestResult,
  ServerEvent,
  ServerFrame,
} from '../src/shared/protocol.js';
import type { Accounts } from './accounts.js';
import type { Blocks } from './blocks.js';
import type { Receipts } from './receipts.js';
import { BusUnavailableError, type Bus } from './bus/bus.js';
import { RequestError } from './errors.js';
import { unknownUser } from './messages.js';
import type { GroupLimits, GroupRefusal, GroupStore, MessageContent, MessageStore } from './store/store.js';

const LIMITS: GroupLimits = { maxMembers: GROUP_MEMBERS_MAX, maxCreated: GROUPS_CREATED_MAX };

export function unknownGroup(id: number): RequestError {
  return new RequestError('unknown_group', `no group ${id} of yours`);
}

function refused(refusal: GroupRefusal, id: number): RequestError {
  switch (refusal) {
    case 'unknown_group':
      return unknownGroup(id);
    case 'not_admin':
      return new RequestError('not_admin', 'only an admin can do that (only the creator names admins)');
    case 'not_a_member':
      return new RequestError('not_a_member', 'that user is not a member of the group');
    case 'group_full':
      return new RequestError('group_full', `a group has at most ${GROUP_MEMBERS_MAX} members`);
    case 'too_many_groups':
      return new RequestError('too_many_groups', `you can create at most ${GROUPS_CREATED_MAX} groups`);
  }
}

function settled<T extends object>(outcome: T | { refused: GroupRefusal }, id: number): T {
  if ('refused' in outcome) throw refused(outcome.refused, id);
  return outcome;
}

const names = (group: GroupInfo) => group.members.map((m) => m.name);

type GroupAction = ServerEvent<'group'>['action'];

export class Groups {
  constructor(
    private readonly store: { groups: GroupStore; messages: MessageStore },
    private readonly accounts: Accounts,
    private readonly bus: Bus,
    private readonly blocks: Blocks,
    private readonly receipts: Receipts,
  ) {}

  /** Every user named must exist and must not have blocked the one adding them. */
  private async requireAddable(by: string, users: readonly string[]): Promise<void> {
    for (const user of users) {
      if (user === by) continue;
      if (!(await this.accounts.exists(user))) throw unknownUser(user);
      if (await this.blocks.has(user, by))
        throw new RequestError('blocked_by_recipient', `${user} has blocked you`);
    }
  }

  async create(creator: string, name: string, members: readonly string[], now = Date.now()) {
    await this.requireAddable(creator, members);
    const outcome = await this.store.groups.create({ name, creator, members, at: now }, LIMITS);
    if ('refused' in outcome) throw refused(outcome.refused, 0);
    await this.announce(outcome, 'created', creator, names(outcome), names(outcome));
    return { group: outcome };
  }

  async add(by: string, id: number, users: readonly string[]): Promise<RequestResult<'group_add'>> {
    await this.requireMember(by, id);
    await this.requireAddable(by, users);
    const before = await this.store.groups.get(id, by);
    const group = settled(await this.store.groups.add(id, by, users, LIMITS), id);
    const added = names(group).filter((n) => !before?.members.some((m) => m.name === n));
    await this.announce(group, 'added', by, added, names(group));
    return { group };
  }

  async remove(by: string, id: number, user: string): Promise<RequestResult<'group_remove'>> {
    const group = settled(await this.store.groups.remove(id, by, user), id);
    await this.announce(group, 'removed', by, [user], names(group));
    await this.tellFormer(id, 'removed', by, user);
    return { group };
  }

  async leave(user: string, id: number): Promise<RequestResult<'group_leave'>> {
    const group = settled(await this.store.groups.leave(id, user), id);
    await this.announce(group, 'left', user, [user], names(group));
    // The user's other devices, were it logged in twice, learn it too; here: its own session.
    await this.tellFormer(id, 'left', user, user);
    return {};
  }

  async rename(by: string, id: number, name: string): Promise<RequestResult<'group_rename'>> {
    const group = settled(await this.store.groups.rename(id, by, name), id);
    await this.announce(group, 'renamed', by, [], names(group));
    return { group };
  }

  async setAdmin(
    by: string,
    id: number,
    user: string,
    admin: boolean,
  ): Promise<RequestResult<'group_admin'>> {
    const group = settled(await this.store.groups.setAdmin(id, by, user, admin), id);
    await this.announce(group, 'admin', by, [user], names(group));
    return { group };
  }

  private async requireMember(user: string, id: number): Promise<GroupInfo> {
    const group = await this.store.groups.get(id, user);
    if (!group) throw unknownGroup(id);
    return group;
  }

  /** The change as a `group` event to the members (the actor included: its other views update). */
  private announce(group: GroupInfo, action: GroupAction, by: string, users: string[], to: string[]) {
    const frame: ServerEvent<'group'> = { type: 'group', id: group.id, action, by, users, group };
    return this.fanOut(frame, by, to, false, false);
  }

  /** A user no longer in the group is told without the group's state. */
  private tellFormer(id: number, action: GroupAction, by: string, user: string) {
    const frame: ServerEvent<'group'> = { type: 'group', id, action, by, users: [user] };
    return this.fanOut(frame, by, [user], false, false);
  }

  /**
   * One publication for every recipient on every node. A bus that cannot be reached loses live
   * frames only: messages stay stored and undelivered, and come at the next login or resync.
   */
  private async fanOut(
    frame: ServerFrame,
    from: string,
    to: readonly string[],
    tracked: boolean,
    skipBlocked: boolean,
  ) {
    if (to.length === 0) return;
    try {
      await this.bus.broadcast({ line: encodeFrame(frame), from, excluded: [], to, tracked, skipBlocked });
    } catch (error) {
      if (!(error instanceof BusUnavailableError)) throw error;
    }
  }

  /** Stores a message to the group and pushes it to its recipients (members minus blockers). */
  async send(
    from: string,
    group: number,
    content: MessageContent,
    now = Date.now(),
  ): Promise<RequestResult<'message'>> {
    if (content.replyTo !== undefined) await this.requireInGroup(content.replyTo, group);
    const stored = await this.store.groups.insertMessage({ ...content, from, group, sentAt: now });
    if ('refused' in stored) throw unknownGroup(group);
    const { message, recipients } = stored;
    await this.fanOut({ type: 'message', message, offline: false }, from, recipients, true, true);
    // The recipients are the message's "of N" for its sender (docs/protocol.md, "Group receipts").
    return { message, online: recipients.length > 0, recipients };
  }

  /** A reply must answer a message of the same group. */
  private async requireInGroup(id: number, group: number): Promise<void> {
    const original = await this.store.messages.messageById(id);
    if (original?.group !== group)
      throw new RequestError('unknown_message', `no message ${id} in this group`);
  }

  /**
   * Before a change of a group message: only a member sees it exists, only its sender changes it.
   * The store then checks the rest (deleted, edit window) with the change.
   */
  async requireChangeable(sender: string, message: DirectMessage & { group: number }): Promise<void> {
    if (!(await this.store.groups.get(message.group, sender)))
      throw new RequestError('unknown_message', `no message ${message.id} in your conversations`);
    if (message.from !== sender)
      throw new RequestError('not_yours', 'only the sender of a message can edit or delete it');
  }

  /** A change of a group message goes to every member it was sent to (its delivery rows). */
  async pushChange(message: DirectMessage, revision: number): Promise<void> {
    const recipients = await this.store.groups.recipientsOf(message.id);
    await this.fanOut({ type: 'message_update', message, revision }, message.from, recipients, true, true);
  }

  /**
   * A reaction on a group message goes to the members it was sent to and to its sender while a
   * member, not back to the reactor. Members who blocked the reactor are not pushed it live (their
   * apps hide the reactor's reactions); like every member they get the state at next login.
   */
  async pushReaction(message: DirectMessage & { group: number }, revision: number, reactor: string) {
    const recipients = await this.store.groups.recipientsOf(message.id);
    if (await this.store.groups.get(message.group, message.from)) recipients.push(message.from);
    const to = recipients.filter((name) => name !== reactor);
    await this.fanOut({ type: 'message_update', message, revision }, reactor, to, true, true);
  }

  async history(me: string, group: number, before: number | undefined, limit: number) {
    await this.requireMember(me, group);
    const page = await this.store.groups.historyPage(group, me, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const receipts = await this.receipts.groupMarks(me, group);
    return {
      messages: page.slice(0, limit).reverse(),
      hasMore: page.length > limit,
      ...(receipts.length > 0 ? { receipts } : {}),
    };
  }

  /**
   * Refuses a mark at a message the member was not shown (another conversation's, one from a
   * sender it blocks, none): nothing changes. A shared mark is the senders' read receipt.
   */
  async markRead(me: string, group: number, upTo: number): Promise<void> {
    await this.requireMember(me, group);
    const outcome = await this.store.groups.markRead(me, group, upTo);
    if (outcome === 'unknown_message')
      throw new RequestError('unknown_message', `no message ${upTo} of this group is yours to read`);
    if (outcome.shared) this.receipts.groupRead(me, group, outcome.senders);
  }

  /** My groups, each with the members' receipts on my messages in it. */
  async conversations(me: string) {
    const rows = await this.store.groups.conversations(me);
    return Promise.all(
      rows.map(async (row) => {
        const receipts = await this.receipts.groupMarks(me, row.group.id);
        return receipts.length > 0 ? { ...row, receipts } : row;
      }),
    );
  }

  /**
   * Typing to a group: to its members online, minus those the typer blocked (here) and those who
   * blocked the typer (on their nodes). Unknown and foreign groups are refused alike.
   */
  async typing(from: string, id: number, typing: boolean): Promise<void> {
    const group = await this.requireMember(from, id);
    const to = names(group).filter((name) => name !== from && this.blocks.cachedHas(from, name) !== true);
    const frame: ServerEvent<'typing'> = { type: 'typing', from, group: id, typing, ttlMs: TYPING_TTL_MS };
    await this.fanOut(frame, from, to, false, true);
  }
}
