/**
 * Private-chat introductions. The server only tells two clients how to reach each other and hands
 * both the same one-time credential; the private text then goes directly between the clients.
 * The server keeps no copy of the credential: the receiving client is the one that checks it.
 */
import { randomBytes } from 'node:crypto';
import { P2P_CREDENTIAL_TTL_MS } from '../src/shared/limits.js';
import type { RequestResult } from '../src/shared/protocol.js';
import type { Bus, DirectoryEntry } from './bus/bus.js';
import { RequestError } from './errors.js';
import type { OnlineUser } from './presence.js';

export function newCredential(): string {
  return randomBytes(32).toString('base64url');
}

/** "::ffff:127.0.0.1" → "127.0.0.1"; other addresses unchanged. */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Pushes a p2p_offer to `peer` (on whichever node holds them) and returns the requester's reply.
 * The caller has already checked that the peer is online, not blocking, and listening on peerPort
 * (its login p2pPort).
 */
export async function introduce(
  bus: Pick<Bus, 'deliver'>,
  requester: Pick<OnlineUser, 'username' | 'publicKey'>,
  peer: DirectoryEntry,
  peerPort: number,
  now = Date.now(),
): Promise<RequestResult<'startprivate'>> {
  const credential = newCredential();
  const expiresAt = now + P2P_CREDENTIAL_TTL_MS;
  const offered = await bus.deliver(peer.username, {
    type: 'p2p_offer',
    from: requester.username,
    credential,
    ...(requester.publicKey ? { publicKey: requester.publicKey } : {}),
    expiresAt,
  });
  if (!offered) throw new RequestError('peer_offline', `${peer.username} is offline`);
  return {
    user: peer.username,
    host: peer.address,
    port: peerPort,
    credential,
    ...(peer.publicKey ? { publicKey: peer.publicKey } : {}),
    expiresAt,
  };
}
