import { describe, expect, it } from 'vitest';
import {
  CryptoError,
  SealedChannel,
  generateKeyPair,
  importPublicKey,
} from '../../src/main/core/p2p-crypto.js';
import { publicKeySchema } from '../../src/shared/protocol.js';

const credential = 'A'.repeat(43);

function pair(options: { credential?: string; bobSeesKey?: string } = {}) {
  const aliceKeys = generateKeyPair();
  const bobKeys = generateKeyPair();
  const alice = new SealedChannel({
    me: 'alice',
    peer: 'bob',
    myKeys: aliceKeys,
    peerPublicKey: bobKeys.publicKey,
    credential,
  });
  const bob = new SealedChannel({
    me: 'bob',
    peer: 'alice',
    myKeys: bobKeys,
    peerPublicKey: options.bobSeesKey ?? aliceKeys.publicKey,
    credential: options.credential ?? credential,
  });
  return { alice, bob };
}

describe('p2p-crypto', () => {
  it('exports raw 32-byte base64 public keys the protocol accepts', () => {
    const keys = generateKeyPair();
    expect(publicKeySchema.safeParse(keys.publicKey).success).toBe(true);
    expect(Buffer.from(keys.publicKey, 'base64')).toHaveLength(32);
    expect(() => importPublicKey(keys.publicKey)).not.toThrow();
    expect(() => importPublicKey('AAAA')).toThrow(CryptoError);
  });

  it('round-trips texts both ways, and the ciphertext is not the plaintext', () => {
    const { alice, bob } = pair();
    const sealed = alice.seal('hi, bob — ünïcødé');
    expect(Buffer.from(sealed.ciphertext, 'base64').toString('utf8')).not.toContain('hi, bob');
    expect(bob.open(sealed)).toBe('hi, bob — ünïcødé');
    expect(alice.open(bob.seal('hi, alice'))).toBe('hi, alice');
    expect(bob.open(alice.seal('second'))).toBe('second');
  });

  it('detects tampering with ciphertext or tag', () => {
    const { alice, bob } = pair();
    const sealed = alice.seal('pay 10');
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(() => bob.open({ ...sealed, ciphertext: bytes.toString('base64') })).toThrow(CryptoError);
    const tag = Buffer.from(sealed.tag, 'base64');
    tag[0] = (tag[0] ?? 0) ^ 1;
    expect(() => bob.open({ ...sealed, tag: tag.toString('base64') })).toThrow(CryptoError);
    expect(bob.open(sealed)).toBe('pay 10');
  });

  it('rejects replayed and out-of-order frames', () => {
    const { alice, bob } = pair();
    const first = alice.seal('one');
    const second = alice.seal('two');
    expect(() => bob.open(second)).toThrow(/out-of-order/);
    expect(bob.open(first)).toBe('one');
    expect(() => bob.open(first)).toThrow(/replayed/);
    expect(bob.open(second)).toBe('two');
  });

  it('refuses a frame sealed for the other direction (reflection)', () => {
    const { alice } = pair();
    const sealed = alice.seal('echo');
    expect(() => alice.open(sealed)).toThrow(CryptoError);
  });

  it('a wrong key or wrong credential cannot open the text', () => {
    const mallory = generateKeyPair();
    const wrongKey = pair({ bobSeesKey: mallory.publicKey });
    expect(() => wrongKey.bob.open(wrongKey.alice.seal('secret'))).toThrow(CryptoError);
    const wrongSalt = pair({ credential: 'B'.repeat(43) });
    expect(() => wrongSalt.bob.open(wrongSalt.alice.seal('secret'))).toThrow(CryptoError);
  });
});
