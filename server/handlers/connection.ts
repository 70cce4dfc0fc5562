/**
 * The narrow port between a connection (server/sessions.ts) and the request handlers beside this
 * file: handlers see only this, so they do not import the session, and the session knows handlers
 * only through their table (./index.ts).
 */
import type { RequestFrame, RequestResult, RequestType } from '../../src/shared/protocol.js';
import type { ServerContext } from '../context.js';
import type { OnlineUser } from '../presence.js';

/** What a handler may know of and do to the connection its request came on. */
export interface Connection {
  /** The peer's address, IPv4-mapped IPv6 normalised to plain IPv4. */
  readonly remoteAddress: string;
  /** The logged-in user's name; only handlers behind the login gate call it. */
  readonly user: string;
  readonly authenticated: boolean;
  /** True once the connection is ending: a handler that waited may stop early. */
  readonly closed: boolean;
  /** hello was accepted: other requests may follow. */
  greeted(): void;
  /** Ends the connection once the reply to this request has been written. */
  closeAfterReply(): void;
  /** Logs out once the reply to this request has been written. */
  logoutAfterReply(): void;
  /** Runs `task` once the reply to this request has been queued. */
  afterReply(task: () => void): void;
  /**
   * Login: the connection becomes `username`'s, and the user it now is (to be claimed in the
   * directory) is returned. revertLogin undoes it when the claim fails.
   */
  becomeUser(login: {
    username: string;
    watchesPresence: boolean;
    p2pPort?: number;
    publicKey?: string;
  }): OnlineUser;
  revertLogin(): void;
  /** Streams the user's undelivered messages, oldest first, with backpressure. */
  startBacklog(): void;
  /** Takes one typing notice from this connection's allowance: 0, or the ms until one is allowed. */
  takeTypingAllowance(): number;
  /** Takes one reaction change from this connection's allowance: 0, or the ms until one is allowed. */
  takeReactionAllowance(): number;
  /** Takes the ids of the messages written to this connection with id ≤ upTo (for an ack). */
  takeDelivered(upTo: number): number[];
  /** Takes the message changes written to this connection for messages with id ≤ upTo (for an ack). */
  takeDeliveredChanges(upTo: number): { id: number; revision: number }[];
}

/** One request type's handler and its rules, declared together. */
export interface Handler<K extends RequestType> {
  /** Allowed before login (the session's gate refuses everything else with login_required). */
  readonly beforeLogin: boolean;
  /** Resets the inactivity timeout (everything a person does; not the automatic ack). */
  readonly countsAsActivity: boolean;
  run(connection: Connection, request: RequestFrame<K>, ctx: ServerContext): Promise<RequestResult<K>>;
}

export type Handlers = { readonly [K in RequestType]: Handler<K> };

/** The common case: needs a login, counts as activity. */
export function loggedIn<K extends RequestType>(run: Handler<K>['run']): Handler<K> {
  return { beforeLogin: false, countsAsActivity: true, run };
}
