// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import MainWindow from '../components/MainWindow.vue';
import { fail, FakeMessenger, installFake, settle } from './fake-messenger';
import { button, byLabel, hasButton } from './helpers';

let fake: FakeMessenger;

beforeEach(() => {
  localStorage.clear();
  const pinia = createPinia();
  setActivePinia(pinia);
  fake = installFake();
});

async function mountApp() {
  const wrapper = mount(MainWindow, { attachTo: document.body, global: { plugins: [] } });
  await settle();
  return wrapper;
}

async function tryLogin(wrapper: Awaited<ReturnType<typeof mountApp>>, user = 'alice', password = 'pw') {
  await byLabel(wrapper, 'Server host').setValue('127.0.0.1');
  await byLabel(wrapper, 'Server port').setValue('4000');
  await byLabel(wrapper, 'Username').setValue(user);
  await byLabel(wrapper, 'Password').setValue(password);
  await button(wrapper, 'Log in').trigger('submit');
  await settle();
  await flushPromises();
}

describe('Login screen', () => {
  it('has labelled fields and offers "Create account" when the server allows registration', async () => {
    const wrapper = await mountApp();
    for (const name of ['Server host', 'Server port', 'Username', 'Password'])
      expect(byLabel(wrapper, name).exists()).toBe(true);
    expect(hasButton(wrapper, 'Log in')).toBe(true);
    expect(hasButton(wrapper, 'Create account')).toBe(true);
    wrapper.unmount();
  });

  it.each([
    [fail('unknown_user'), 'There is no account called "alice"'],
    [
      fail('wrong_password', { attemptsLeft: 2 }),
      'Wrong password. 2 attempts left before the account is locked.',
    ],
    [fail('wrong_password_locked', { retryAfterMs: 90_000 }), 'locked. Try again in 1 minute 30 seconds'],
    [fail('account_locked', { retryAfterMs: 45_000 }), 'Try again in 45 seconds'],
    [fail('already_logged_in'), 'alice is already logged in somewhere else.'],
  ])('explains login failure %#', async (result, text) => {
    fake.on('login', () => result);
    const wrapper = await mountApp();
    await tryLogin(wrapper);
    expect(wrapper.find('[role="alert"]').exists()).toBe(true);
    // The lock countdown sits beside the alert (not re-announced every second): read the whole error.
    const alert = wrapper.find('#login-error');
    expect(alert.text()).toContain(text);
    expect(wrapper.find('[role="log"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('explains an unreachable server', async () => {
    fake.on('connect', () => fail('unreachable'));
    const wrapper = await mountApp();
    expect(hasButton(wrapper, 'Create account')).toBe(false);
    await tryLogin(wrapper);
    expect(wrapper.find('[role="alert"]').text()).toContain("Can't reach the server at 127.0.0.1:4000");
    wrapper.unmount();
  });

  it('creates an account, then logs in', async () => {
    const wrapper = await mountApp();
    await byLabel(wrapper, 'Username').setValue('newbie');
    await byLabel(wrapper, 'Password').setValue('secret');
    await button(wrapper, 'Create account').trigger('click');
    await settle();
    expect(fake.callsOf('register')).toEqual([['newbie', 'secret']]);
    expect(fake.callsOf('login')).toEqual([['newbie', 'secret']]);
    expect(hasButton(wrapper, 'Log out')).toBe(true);
    wrapper.unmount();
  });

  it('keeps a form error when leaving the address fields (the quiet probe on change)', async () => {
    const wrapper = await mountApp();
    await byLabel(wrapper, 'Server port').setValue('4000');
    await button(wrapper, 'Log in').trigger('submit');
    await settle();
    expect(wrapper.find('[role="alert"]').text()).toBe('Enter your username and password.');
    await byLabel(wrapper, 'Server port').setValue('99999');
    await byLabel(wrapper, 'Server port').trigger('change');
    await settle();
    expect(wrapper.find('[role="alert"]').text()).toBe('Enter your username and password.');
    await byLabel(wrapper, 'Username').setValue('alice');
    await byLabel(wrapper, 'Password').setValue('pw');
    await button(wrapper, 'Log in').trigger('submit');
    await settle();
    expect(wrapper.find('[role="alert"]').text()).toBe('The server port must be a number from 1 to 65535.');
    wrapper.unmount();
  });

  it('returns to login with the reason after an inactivity logout', async () => {
    const wrapper = await mountApp();
    await tryLogin(wrapper);
    expect(hasButton(wrapper, 'Log out')).toBe(true);
    expect(wrapper.find('[role="log"]').attributes('aria-label')).toBe('Messages with Everyone');
    fake.state = { ...fake.state, username: null };
    fake.emit({ kind: 'logged_out', reason: 'timeout' });
    await settle();
    expect(hasButton(wrapper, 'Log in')).toBe(true);
    expect(wrapper.text()).toContain('You were logged out after a period of inactivity');
    wrapper.unmount();
  });
});
