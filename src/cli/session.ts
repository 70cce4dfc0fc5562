/** The logged-in part of the terminal client: runs typed commands one at a time and prints results. */
import type { ApiResult } from '../shared/api.js';
import { TEXT_MAX_LENGTH, textLength } from '../shared/limits.js';
import type { MessengerCore } from '../main/core/index.js';
import { parseCommand, type Command } from './commands.js';
import type { Output } from './output.js';
import { searchMessages } from './search.js';
import { commandErrorText, texts, type CommandKind } from './texts.js';

export interface SessionContext {
  core: MessengerCore;
  out: Output;
  username: string;
}

/** Prints the failure text of a command, if it failed. Returns whether it succeeded. */
function report<T>(
  ctx: SessionContext,
  kind: CommandKind,
  result: ApiResult<T>,
  target = '',
): result is { ok: true; value: T } {
  if (result.ok) return true;
  const text = commandErrorText(kind, result.error, target);
  if (text !== undefined) ctx.out.line(text);
  return false;
}

function printList(ctx: SessionContext, users: string[], none: string): void {
  if (users.length === 0) ctx.out.line(none);
  for (const user of [...users].sort()) ctx.out.line(user);
}

async function sendText(ctx: SessionContext, command: Extract<Command, { kind: 'message' | 'private' }>) {
  if (textLength(command.text) > TEXT_MAX_LENGTH) return ctx.out.line(texts.textTooLong);
  const method = command.kind === 'message' ? 'sendMessage' : 'sendPrivate';
  report(ctx, command.kind, await ctx.core.call(method, command.to, command.text), command.to);
}

async function broadcast(ctx: SessionContext, text: string): Promise<void> {
  if (textLength(text) > TEXT_MAX_LENGTH) return ctx.out.line(texts.textTooLong);
  const result = await ctx.core.call('broadcast', text);
  if (report(ctx, 'broadcast', result) && result.value.blockedBy > 0) ctx.out.line(texts.broadcastPartial);
}

async function whoElse(ctx: SessionContext): Promise<void> {
  const result = await ctx.core.call('whoElse');
  if (report(ctx, 'broadcast', result)) printList(ctx, result.value, texts.noOtherUsers);
}

async function whoElseSince(ctx: SessionContext, seconds: number): Promise<void> {
  const result = await ctx.core.call('whoElseSince', seconds);
  if (report(ctx, 'broadcast', result)) printList(ctx, result.value, texts.noneSince(seconds));
}

async function block(ctx: SessionContext, user: string, unblock: boolean): Promise<void> {
  const result = await ctx.core.call(unblock ? 'unblock' : 'block', user);
  if (report(ctx, unblock ? 'unblock' : 'block', result, user)) {
    ctx.out.line(unblock ? texts.unblocked(user) : texts.blocked(user));
  }
}

async function startPrivate(ctx: SessionContext, user: string): Promise<void> {
  const result = await ctx.core.call('startPrivate', user);
  if (report(ctx, 'startprivate', result, user)) ctx.out.line(texts.privateStarted(user));
}

async function stopPrivate(ctx: SessionContext, user: string): Promise<void> {
  report(ctx, 'stopprivate', await ctx.core.call('stopPrivate', user), user);
  await ctx.core.activity();
}

/** Runs one typed line. Returns true when the user logged out. */
export async function runLine(ctx: SessionContext, line: string): Promise<boolean> {
  const command = parseCommand(line);
  switch (command.kind) {
    case 'empty':
      return false;
    case 'invalid':
      ctx.out.line(texts.invalidCommand);
      await ctx.core.activity();
      return false;
    case 'message':
    case 'private':
      await sendText(ctx, command);
      if (command.kind === 'private') await ctx.core.activity();
      return false;
    case 'broadcast':
      await broadcast(ctx, command.text);
      return false;
    case 'whoelse':
      await whoElse(ctx);
      return false;
    case 'whoelsesince':
      await whoElseSince(ctx, command.seconds);
      return false;
    case 'block':
    case 'unblock':
      await block(ctx, command.user, command.kind === 'unblock');
      return false;
    case 'startprivate':
      await startPrivate(ctx, command.user);
      return false;
    case 'stopprivate':
      await stopPrivate(ctx, command.user);
      return false;
    case 'search':
      await searchMessages(ctx, command.query);
      return false;
    case 'logout':
      await ctx.core.call('logout');
      return true;
  }
}
