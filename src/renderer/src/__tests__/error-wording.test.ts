// @vitest-environment happy-dom
/** Errors reach the user in the app's words: never an error's internal message, zod path or prefix. */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiError, ClientErrorCode } from '../../../shared/api';
import { errorCodes } from '../../../shared/protocol';
import MainWindow from '../components/MainWindow.vue';
import {
  describeBlockError,
  describeLoginError,
  describePrivateError,
  describeProblem,
  describeSendError,
} from '../errors';
import { fail, FakeMessenger, installFake, settle } from './fake-messenger';
import { button, byLabel } from './helpers';

const clientCodes: ClientErrorCode[] = [
  'not_connected',
  'unreachable',
  'timeout',
  'not_logged_in',
  'private_not_enabled',
  'peer_unreachable',
  'invalid_argument',
];
/** What the core and dispatch.ts really put in `message`: never meant for users. */
const INTERNAL = 'register: 0: username may contain only letters, digits, "_", "." and "-"';
const everyError: ApiError[] = [...errorCodes, ...clientCodes].map((code) => ({ code, message: INTERNAL }));

const describers: [string, (e: ApiError) => string][] = [
  ['login', (e) => describeLoginError(e, { username: 'alice', host: '127.0.0.1', port: 4601 })],
  ['send', (e) => describeSendError(e, 'bob')],
  ['block', (e) => describeBlockError(e, 'bob', 'block')],
  ['private', (e) => describePrivateError(e, 'bob')],
  ['any call', describeProblem],
];

describe('error wording', () => {
  it.each(describers)('%s errors never show the internal message, for every code', (_, describe) => {
    for (const error of everyError) {
      const text = describe(error);
      expect(text, error.code).not.toContain('register:');
      expect(text, error.code).not.toContain('may contain only');
      expect(text, error.code).toMatch(/^\S.*\.$/);
    }
  });

  it('says "log in first" in the app\'s words in a private chat', () => {
    expect(describePrivateError({ code: 'not_logged_in', message: 'log in first' }, 'bob')).toBe(
      'You are logged out. Log in again in the main window to chat privately with bob.',
    );
  });
});

describe('login form wording', () => {
  let fake: FakeMessenger;

  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
    fake = installFake();
  });

  async function createAccount(username: string, password = 'pw') {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    await byLabel(wrapper, 'Server host').setValue('127.0.0.1');
    await byLabel(wrapper, 'Server port').setValue('4000');
    await byLabel(wrapper, 'Username').setValue(username);
    await byLabel(wrapper, 'Password').setValue(password);
    await button(wrapper, 'Create account').trigger('click');
    await settle();
    await flushPromises();
    return wrapper;
  }

  it('explains a bad username at registration with the rules, without asking the server', async () => {
    const wrapper = await createAccount('not a name!');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      '"not a name!" is not a valid username. Usernames are 1 to 32 letters, digits, "_", "." or "-", without spaces.',
    );
    expect(fake.callsOf('register')).toEqual([]);
    expect(document.activeElement?.id).toBe('login-username');
    wrapper.unmount();
  });

  it("never shows the API layer's message when the server refuses the input", async () => {
    fake.on('register', () => fail('invalid_argument', { message: INTERNAL }));
    const wrapper = await createAccount('alice');
    const alert = wrapper.get('[role="alert"]').text();
    expect(alert).not.toContain('register:');
    expect(alert).toContain('The username or password was not accepted.');
    wrapper.unmount();
  });

  it('says a look-alike username was refused and puts the cursor back on the name', async () => {
    fake.on('register', () => fail('username_look_alike', { message: INTERNAL }));
    const wrapper = await createAccount('Ieia');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'The username "Ieia" looks too much like an existing one, so others could mistake one for the other. Choose another one.',
    );
    expect(document.activeElement?.id).toBe('login-username');
    wrapper.unmount();
  });
});
