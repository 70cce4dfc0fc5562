/** The report's login dialogue (§2 of behaviour.md), plus registration when the server allows it. */
import type { ApiError } from '../shared/api.js';
import type { MessengerCore } from '../main/core/index.js';
import type { LineInput } from './input.js';
import type { Output } from './output.js';
import { texts } from './texts.js';

export type LoginOutcome = { ok: true; username: string } | { ok: false; exitCode: number };

interface LoginContext {
  core: MessengerCore;
  input: LineInput;
  out: Output;
  openRegistration: boolean;
}

/** What to do after a failed login attempt. */
type Next = 'username' | 'password' | { exitCode: number };

function afterFailure(error: ApiError, out: Output): Next {
  switch (error.code) {
    case 'unknown_user':
      out.line(texts.invalidUsername);
      return 'username';
    case 'wrong_password':
    case 'invalid_argument':
      out.line(texts.invalidPassword);
      return 'password';
    case 'wrong_password_locked':
      out.line(texts.passwordBlocked);
      return { exitCode: 1 };
    case 'account_locked':
      out.line(texts.accountLocked);
      return { exitCode: 1 };
    case 'already_logged_in':
      out.line(texts.alreadyLoggedIn);
      return 'username';
    case 'rate_limited':
      out.line(texts.loginRateLimited(error.retryAfterMs));
      return 'password';
    case 'not_connected':
    case 'unreachable':
    case 'timeout':
      out.line(texts.serverLost);
      return { exitCode: 1 };
    default:
      out.line(texts.unexpected(error));
      return 'username';
  }
}

/** Asks for a new password twice; null at end of input. */
async function newPassword(ctx: LoginContext): Promise<string | null> {
  for (;;) {
    const first = await ctx.input.prompt(texts.newPasswordPrompt, true);
    if (first === null) return null;
    const second = await ctx.input.prompt(texts.confirmPasswordPrompt, true);
    if (second === null) return null;
    if (first === second && first !== '') return first;
    ctx.out.line(texts.passwordsDiffer);
  }
}

/** Registers `username`; the outcome tells the caller to log in, ask again, or exit. */
async function register(ctx: LoginContext, username: string): Promise<{ password: string } | Next> {
  const password = await newPassword(ctx);
  if (password === null) return { exitCode: 0 };
  const result = await ctx.core.call('register', username, password);
  if (result.ok) return { password };
  ctx.out.line(registrationErrorText(result.error));
  return 'username';
}

function registrationErrorText(error: ApiError): string {
  if (error.code === 'username_taken') return texts.registrationFailed;
  if (error.code === 'username_look_alike') return texts.usernameLookAlike;
  return texts.unexpected(error);
}

async function attempt(ctx: LoginContext, username: string, password: string): Promise<true | Next> {
  ctx.out.hold();
  const result = await ctx.core.call('login', username, password);
  if (result.ok) {
    ctx.out.release(texts.welcome);
    return true;
  }
  ctx.out.discard();
  return afterFailure(result.error, ctx.out);
}

/**
 * The report's client says "Invalid Username" before asking for a password, so the account is
 * looked up first. With open registration an unknown name becomes a new account instead.
 */
async function afterUsername(ctx: LoginContext, username: string): Promise<true | Next> {
  const lookup = await ctx.core.call('checkUser', username);
  if (!lookup.ok) {
    if (lookup.error.code !== 'invalid_argument') return afterFailure(lookup.error, ctx.out);
    ctx.out.line(texts.invalidUsername);
    return 'username';
  }
  if (lookup.value.exists) return passwordLoop(ctx, username);
  if (!ctx.openRegistration) {
    ctx.out.line(texts.invalidUsername);
    return 'username';
  }
  const registered = await register(ctx, username);
  return typeof registered === 'object' && 'password' in registered
    ? attempt(ctx, username, registered.password)
    : registered;
}

/** Asks for the password (again) until the login succeeds or says to ask for the username. */
async function passwordLoop(ctx: LoginContext, username: string): Promise<true | Next> {
  for (;;) {
    const password = await ctx.input.prompt(texts.passwordPrompt, true);
    if (password === null) return { exitCode: 0 };
    const outcome = await attempt(ctx, username, password);
    if (outcome !== 'password') return outcome;
  }
}

export async function loginDialogue(ctx: LoginContext): Promise<LoginOutcome> {
  for (;;) {
    const username = await ctx.input.prompt(texts.usernamePrompt);
    if (username === null) return { ok: false, exitCode: 0 };
    const outcome = await afterUsername(ctx, username.trim());
    if (outcome === true) return { ok: true, username: username.trim() };
    if (typeof outcome === 'object') return { ok: false, exitCode: outcome.exitCode };
  }
}
