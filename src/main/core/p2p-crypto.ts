/**
 * End-to-end encryption of private chats, node:crypto only.
 *
 * - Each login gets a fresh X25519 key pair; the raw 32-byte public key goes to the server (base64),
 *   which vouches for it to the peer (startprivate result / p2p_offer).
 * - Both sides derive one AES-256-GCM key per direction with HKDF-SHA256 over the X25519 shared
 *   secret, salt = the one-time credential, info = "greatest-messenger/p2p/v1|<sender>|<receiver>".
 * - Nonces are a per-direction counter (4 zero bytes + 64-bit big-endian count): the receiver accepts
 *   only the next expected count, so replayed, reordered or dropped frames are refused.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';

const RAW_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const INFO_PREFIX = 'greatest-messenger/p2p/v1';
const AAD = Buffer.from('private_sealed');

export interface KeyPair {
  /** Raw 32-byte X25519 public key, base64. */
  publicKey: string;
  privateKey: KeyObject;
}

export interface SealedText {
  nonce: string;
  ciphertext: string;
  tag: string;
}

export class CryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CryptoError';
  }
}

export function generateKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new CryptoError('cannot export the X25519 public key');
  return { publicKey: Buffer.from(jwk.x, 'base64url').toString('base64'), privateKey };
}

export function importPublicKey(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== RAW_KEY_BYTES || raw.toString('base64') !== base64) {
    throw new CryptoError('a public key must be 32 bytes of base64');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

function directionKey(shared: Buffer, credential: string, sender: string, receiver: string): Buffer {
  const salt = Buffer.from(credential, 'utf8');
  const info = Buffer.from(`${INFO_PREFIX}|${sender}|${receiver}`, 'utf8');
  return Buffer.from(hkdfSync('sha256', shared, salt, info, 32));
}

function counterNonce(counter: bigint): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeBigUInt64BE(counter, NONCE_BYTES - 8);
  return nonce;
}

export interface ChannelParams {
  me: string;
  peer: string;
  myKeys: KeyPair;
  /** The peer's public key as vouched for by the server. */
  peerPublicKey: string;
  credential: string;
}

/** The two directional AEAD keys of one private session, with their nonce counters. */
export class SealedChannel {
  private readonly sendKey: Buffer;
  private readonly receiveKey: Buffer;
  private sendCounter = 0n;
  private receiveCounter = 0n;

  constructor(params: ChannelParams) {
    let shared: Buffer;
    try {
      shared = diffieHellman({
        privateKey: params.myKeys.privateKey,
        publicKey: importPublicKey(params.peerPublicKey),
      });
    } catch (error) {
      throw error instanceof CryptoError ? error : new CryptoError('key agreement failed');
    }
    this.sendKey = directionKey(shared, params.credential, params.me, params.peer);
    this.receiveKey = directionKey(shared, params.credential, params.peer, params.me);
    shared.fill(0);
  }

  seal(text: string): SealedText {
    return this.sealBytes(Buffer.from(text, 'utf8'), AAD);
  }

  /**
   * Encrypts bytes under the next nonce; `aad` names the frame type, so a frame of one type cannot
   * be passed off as another (private_sealed and file_sealed share the nonce counter).
   */
  sealBytes(plain: Buffer, aad: Buffer): SealedText {
    const nonce = counterNonce(this.sendCounter);
    this.sendCounter += 1n;
    const cipher = createCipheriv('aes-256-gcm', this.sendKey, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      nonce: nonce.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  /** Decrypts the next frame; throws CryptoError on a replay, reorder, wrong key or tampering. */
  open(sealed: SealedText): string {
    return this.openBytes(sealed, AAD).toString('utf8');
  }

  /** Decrypts the next frame sealed with `aad` (see sealBytes); throws CryptoError like `open`. */
  openBytes(sealed: SealedText, aad: Buffer): Buffer {
    const nonce = Buffer.from(sealed.nonce, 'base64');
    const tag = Buffer.from(sealed.tag, 'base64');
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES)
      throw new CryptoError('malformed sealed frame');
    if (!nonce.equals(counterNonce(this.receiveCounter)))
      throw new CryptoError('replayed or out-of-order frame');
    const decipher = createDecipheriv('aes-256-gcm', this.receiveKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
    } catch {
      throw new CryptoError('message authentication failed');
    }
    this.receiveCounter += 1n;
    return plain;
  }
}
