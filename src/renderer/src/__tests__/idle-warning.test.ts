// @vitest-environment happy-dom
/** Staying signed in: input is reported (throttled), an idle user is warned, a timeout keeps the username. */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { activityReportIntervalMs, watchUserActivity } from '../activity';
import MainWindow from '../components/MainWindow.vue';
import { useConversationsStore } from '../stores/conversations';
import { FakeMessenger, installFake, settle } from './fake-messenger';
import { button, byLabel, hasButton } from './helpers';

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('activity reports', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('reports nothing while the user does nothing', () => {
    const report = vi.fn();
    const stop = watchUserActivity(window, () => 10_000, report);
    vi.advanceTimersByTime(10 * 60_000);
    expect(report).not.toHaveBeenCalled();
    stop();
  });

  it('reports typing at once, then at most once per interval, the last keystroke included', () => {
    const report = vi.fn();
    const stop = watchUserActivity(window, () => 10_000, report);
    for (let i = 0; i < 50; i++) {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
      vi.advanceTimersByTime(100); // 5 s of typing
    }
    expect(report).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_000);
    expect(report).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(60_000);
    expect(report).toHaveBeenCalledTimes(2);
    window.dispatchEvent(new PointerEvent('pointerdown'));
    window.dispatchEvent(new WheelEvent('wheel'));
    expect(report).toHaveBeenCalledTimes(3);
    stop();
  });

  it('reports well inside the server timeout', () => {
    expect(activityReportIntervalMs(1800)).toBe(10_000);
    expect(activityReportIntervalMs(8)).toBe(2_000);
  });
});

describe('idle warning and inactivity logout', () => {
  let fake: FakeMessenger;

  beforeEach(async () => {
    localStorage.clear();
    setActivePinia(createPinia());
    fake = installFake(new FakeMessenger().loggedInAs('alice'));
  });

  async function mountApp() {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    return wrapper;
  }

  it('offers "Stay signed in" before the timeout; it reports activity and the warning goes', async () => {
    const wrapper = await mountApp();
    expect(hasButton(wrapper, 'Stay signed in')).toBe(false);
    fake.emit({ kind: 'idle_warning', logoutAt: Date.now() + 30_000 });
    await settle();
    expect(wrapper.get('.idle-warning [role="alert"]').text()).toBe(
      'You will be signed out soon because nothing happened in the app for a while.',
    );
    expect(wrapper.get('.idle-countdown').text()).toMatch(/^Signing out in (29|30) seconds\.$/);
    await button(wrapper, 'Stay signed in').trigger('click');
    expect(fake.callsOf('activity').length).toBeGreaterThanOrEqual(1);
    fake.emit({ kind: 'idle_warning', logoutAt: null });
    await settle();
    expect(hasButton(wrapper, 'Stay signed in')).toBe(false);
    wrapper.unmount();
  });

  it('after an inactivity logout keeps the username, and stray typing lands in no field', async () => {
    const wrapper = await mountApp();
    // As the core does it: the state without the user first, then the reason.
    fake.state = { ...fake.state, username: null };
    fake.emit({ kind: 'state', state: fake.state });
    fake.emit({ kind: 'logged_out', reason: 'timeout' });
    await settle();
    await flushPromises();
    expect(byLabel(wrapper, 'Username').element.value).toBe('alice');
    expect(document.activeElement?.tagName).not.toBe('INPUT');
    expect(document.activeElement?.textContent).toContain('You were logged out after a period of inactivity');
    wrapper.unmount();
  });

  it('logging in again after an inactivity logout returns to the chat with its draft', async () => {
    const wrapper = await mountApp();
    useConversationsStore().select('bob');
    await settle();
    await byLabel(wrapper, 'Message').setValue('half-written thought');
    fake.state = { ...fake.state, username: null };
    fake.emit({ kind: 'state', state: fake.state });
    fake.emit({ kind: 'logged_out', reason: 'timeout' });
    await settle();
    await byLabel(wrapper, 'Password').setValue('pw');
    await button(wrapper, 'Log in').trigger('submit');
    await settle();
    await flushPromises();
    expect(wrapper.find('h2#chat-title').text()).toBe('bob');
    expect(byLabel(wrapper, 'Message').element.value).toBe('half-written thought');
    wrapper.unmount();
  });
});
