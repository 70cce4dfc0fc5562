import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });
const { track } = fixture;

describe('login', () => {
  it('welcomes a known user with the right password', async () => {
    fixture.server = await startTestServer();
    const yoda = track(await RawClient.open(fixture.server.port));
    expect(await yoda.call('login', { username: 'yoda', password: 'wise' })).toEqual({
      username: 'yoda',
      pendingOffline: 0,
    });
    expect(yoda.invalidFrames).toEqual([]);
  });

  it('rejects an unknown user and lets the client try again', async () => {
    fixture.server = await startTestServer();
    const client = track(await RawClient.open(fixture.server.port));
    expect((await client.fail('login', { username: 'ethan', password: 'x' })).code).toBe('unknown_user');
    await client.call('login', { username: 'yoda', password: 'wise' });
  });

  it('tells before login whether an account exists, and needs hello first', async () => {
    fixture.server = await startTestServer();
    const early = track(await RawClient.connect(fixture.server.port));
    expect((await early.fail('checkuser', { username: 'yoda' })).code).toBe('hello_required');
    const client = track(await RawClient.open(fixture.server.port));
    expect(await client.call('checkuser', { username: 'yoda' })).toEqual({ exists: true });
    expect(await client.call('checkuser', { username: 'ethan' })).toEqual({ exists: false });
    expect(await client.call('checkuser', { username: 'Yoda' })).toEqual({ exists: false });
  });

  it('counts wrong passwords, locks on the third, and unlocks after the block duration', async () => {
    fixture.server = await startTestServer({ blockDurationSeconds: 1 });
    const client = track(await RawClient.open(fixture.server.port));
    const first = await client.fail('login', { username: 'yoda', password: 'aaa' });
    expect(first).toMatchObject({ code: 'wrong_password', attemptsLeft: 2 });
    expect(await client.fail('login', { username: 'yoda', password: 'bbb' })).toMatchObject({
      code: 'wrong_password',
      attemptsLeft: 1,
    });
    const third = await client.fail('login', { username: 'yoda', password: 'ccc' });
    expect(third.code).toBe('wrong_password_locked');
    expect(third.retryAfterMs).toBe(1000);
    // Any connection, even with the right password, is refused during the lock.
    const other = track(await RawClient.open(fixture.server.port));
    const locked = await other.fail('login', { username: 'yoda', password: 'wise' });
    expect(locked.code).toBe('account_locked');
    expect(locked.retryAfterMs).toBeGreaterThan(0);
    expect(locked.retryAfterMs).toBeLessThanOrEqual(1000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await other.call('login', { username: 'yoda', password: 'wise' });
  });

  it('resets the failure count after a successful login', async () => {
    fixture.server = await startTestServer();
    const client = track(await RawClient.open(fixture.server.port));
    await client.fail('login', { username: 'yoda', password: 'x' });
    await client.fail('login', { username: 'yoda', password: 'x' });
    await client.call('login', { username: 'yoda', password: 'wise' });
    await client.call('logout', {});
    const again = track(await RawClient.open(fixture.server.port));
    expect(await again.fail('login', { username: 'yoda', password: 'x' })).toMatchObject({
      attemptsLeft: 2,
    });
  });

  it('counts failures across connections, even when they race', async () => {
    fixture.server = await startTestServer();
    const attempts = await Promise.all(
      [1, 2, 3, 4, 5].map(async () => {
        const client = track(await RawClient.open(fixture.server.port));
        return client.fail('login', { username: 'hans', password: 'wrong' });
      }),
    );
    const codes = attempts.map((error) => error.code).sort();
    expect(codes.filter((code) => code === 'wrong_password')).toHaveLength(2);
    expect(codes.filter((code) => code === 'wrong_password_locked')).toHaveLength(1);
    expect(codes.filter((code) => code === 'account_locked')).toHaveLength(2);
  });

  it('keeps a lock across a server restart', async () => {
    fixture.server = await startTestServer({ blockDurationSeconds: 30 });
    const client = track(await RawClient.open(fixture.server.port));
    for (let i = 0; i < 3; i++) await client.fail('login', { username: 'yoda', password: 'no' });
    await fixture.server.restart();
    const after = track(await RawClient.open(fixture.server.port));
    expect((await after.fail('login', { username: 'yoda', password: 'wise' })).code).toBe('account_locked');
  });

  it('refuses a second simultaneous login of the same account', async () => {
    fixture.server = await startTestServer();
    track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    const second = track(await RawClient.open(fixture.server.port));
    expect((await second.fail('login', { username: 'yoda', password: 'wise' })).code).toBe(
      'already_logged_in',
    );
    // The refused connection can still log in as someone else.
    await second.call('login', { username: 'hans', password: 'falcon' });
  });

  it('refuses a second login on the same connection', async () => {
    fixture.server = await startTestServer();
    const yoda = track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    expect((await yoda.fail('login', { username: 'hans', password: 'falcon' })).code).toBe(
      'already_authenticated',
    );
  });

  it('verifies passwords hashed at the production scrypt cost', async () => {
    fixture.server = await startTestServer({ kdfCost: 16384, users: { yoda: 'wise' } });
    const client = track(await RawClient.open(fixture.server.port));
    await client.fail('login', { username: 'yoda', password: 'wisE' });
    await client.call('login', { username: 'yoda', password: 'wise' });
  });
});

describe('registration', () => {
  it('is closed by default', async () => {
    fixture.server = await startTestServer();
    const client = track(await RawClient.open(fixture.server.port));
    expect((await client.fail('register', { username: 'rey', password: 'jakku' })).code).toBe(
      'registration_closed',
    );
  });

  it('creates accounts with --open-registration and refuses taken names', async () => {
    fixture.server = await startTestServer({ openRegistration: true });
    const client = track(await RawClient.open(fixture.server.port));
    expect(await client.call('register', { username: 'rey', password: 'jakku' })).toEqual({
      username: 'rey',
    });
    expect((await client.fail('register', { username: 'yoda', password: 'x' })).code).toBe('username_taken');
    await client.call('login', { username: 'rey', password: 'jakku' });
    expect((await client.fail('register', { username: 'finn', password: 'x' })).code).toBe(
      'already_authenticated',
    );
  });
});
