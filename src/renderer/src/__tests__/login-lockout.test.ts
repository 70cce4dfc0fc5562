// @vitest-environment happy-dom
/** The lockout notice: announced once, counts down outside the live region, and ends. */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import MainWindow from '../components/MainWindow.vue';
import { fail, FakeMessenger, installFake, settle } from './fake-messenger';
import { button, byLabel } from './helpers';

let fake: FakeMessenger;

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
  fake = installFake();
  // Only the clock and the countdown's interval are fake: settle() still needs real timeouts.
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

async function loginLocked(retryAfterMs: number) {
  fake.on('login', () => fail('account_locked', { retryAfterMs }));
  const wrapper = mount(MainWindow, { attachTo: document.body });
  await settle();
  await byLabel(wrapper, 'Server host').setValue('127.0.0.1');
  await byLabel(wrapper, 'Server port').setValue('4000');
  await byLabel(wrapper, 'Username').setValue('alice');
  await byLabel(wrapper, 'Password').setValue('pw');
  await button(wrapper, 'Log in').trigger('submit');
  await settle();
  await flushPromises();
  return wrapper;
}

async function tick(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  await settle();
}

describe('login lockout countdown', () => {
  it('keeps the ticking countdown out of the alert, so the alert is announced once', async () => {
    const wrapper = await loginLocked(3_000);
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toBe('This account is locked after too many failed logins.');
    expect(wrapper.get('#login-error').text()).toBe(
      'This account is locked after too many failed logins. Try again in 3 seconds.',
    );
    const countdown = wrapper.get('.lock-countdown');
    expect(countdown.element.closest('[role="alert"], [aria-live]')).toBeNull();

    await tick(1_000);
    expect(wrapper.get('.lock-countdown').text()).toBe('Try again in 2 seconds.');
    expect(wrapper.get('[role="alert"]').text()).toBe('This account is locked after too many failed logins.');
    wrapper.unmount();
  });

  it('says the lock has ended instead of "Try again in 0 seconds"', async () => {
    const wrapper = await loginLocked(2_000);
    await tick(1_000);
    expect(wrapper.get('#login-error').text()).toContain('Try again in 1 second.');
    await tick(1_000);
    expect(wrapper.get('#login-error').text()).toBe('The lock has ended. You can log in again.');
    expect(wrapper.find('.lock-countdown').exists()).toBe(false);
    await tick(5_000);
    expect(wrapper.text()).not.toContain('0 seconds');
    wrapper.unmount();
  });
});
