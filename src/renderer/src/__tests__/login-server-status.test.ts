// @vitest-environment happy-dom
/** The login screen never claims a connection it does not have, and offers a retry when it has none. */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ServerAddress } from '../../../shared/api';
import MainWindow from '../components/MainWindow.vue';
import { fail, FakeMessenger, installFake, ok, serverInfo, settle } from './fake-messenger';
import { button, byLabel, hasButton } from './helpers';

let fake: FakeMessenger;

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
  fake = installFake();
});

/** Like the core: a failed connect drops the connection but keeps the last hello's server info. */
function serverDown(): void {
  fake.on('connect', (server: ServerAddress) => {
    fake.state = { ...fake.state, connection: 'disconnected', server };
    return fail('unreachable');
  });
}

function serverUp(): void {
  fake.on('connect', (server: ServerAddress) => {
    fake.state = { ...fake.state, connection: 'connected', server, serverInfo };
    return ok(serverInfo);
  });
}

async function mountConnected() {
  fake.state = { ...fake.state, server: { host: '127.0.0.1', port: 4000 } };
  const wrapper = mount(MainWindow, { attachTo: document.body });
  await settle();
  expect(wrapper.find('.server-status').text()).toBe('Connected to test-server · new accounts welcome');
  return wrapper;
}

async function logInTo(wrapper: Awaited<ReturnType<typeof mountConnected>>, port: string) {
  await byLabel(wrapper, 'Server port').setValue(port);
  await byLabel(wrapper, 'Username').setValue('alice');
  await byLabel(wrapper, 'Password').setValue('pw');
  await button(wrapper, 'Log in').trigger('submit');
  await settle();
  await flushPromises();
}

describe('login screen server status', () => {
  it('shows no "Connected" footer and no Create account when the server cannot be reached', async () => {
    const wrapper = await mountConnected();
    expect(hasButton(wrapper, 'Create account')).toBe(true);
    serverDown();
    await logInTo(wrapper, '4601');
    expect(wrapper.get('[role="alert"]').text()).toContain("Can't reach the server at 127.0.0.1:4601");
    expect(wrapper.find('.server-status').text()).toBe('Not connected to the server.');
    expect(wrapper.text()).not.toContain('Connected to');
    expect(wrapper.text()).not.toContain('new accounts welcome');
    expect(hasButton(wrapper, 'Create account')).toBe(false);
    expect(hasButton(wrapper, 'Try again')).toBe(true);
    wrapper.unmount();
  });

  it('"Try again" reconnects, clears the error and offers Create account again', async () => {
    const wrapper = await mountConnected();
    serverDown();
    await logInTo(wrapper, '4601');
    await button(wrapper, 'Try again').trigger('click');
    await settle();
    expect(wrapper.find('[role="alert"]').text()).toContain("Can't reach the server");
    serverUp();
    await button(wrapper, 'Try again').trigger('click');
    await settle();
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(wrapper.find('.server-status').text()).toBe('Connected to test-server · new accounts welcome');
    expect(hasButton(wrapper, 'Create account')).toBe(true);
    expect(hasButton(wrapper, 'Try again')).toBe(false);
    wrapper.unmount();
  });
});
