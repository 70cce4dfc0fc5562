import type { DOMWrapper, VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach } from 'vitest';
import { useSessionStore } from '../stores/session';
import { FakeMessenger, installFake } from './fake-messenger';

/** A fresh Pinia and a fake messenger logged in as `me`, with the session store up to date. */
export async function loggedInAsMe(): Promise<FakeMessenger> {
  setActivePinia(createPinia());
  const fake = installFake(new FakeMessenger().loggedInAs('me'));
  await useSessionStore().refreshState();
  return fake;
}

/** The form control whose <label> (or aria-label) is exactly `name`, like getByLabelText. */
export function byLabel(wrapper: VueWrapper, name: string): DOMWrapper<HTMLInputElement> {
  const label = wrapper.findAll('label').find((l) => l.text().trim() === name);
  const id = label?.attributes('for');
  const found = id
    ? wrapper.find<HTMLInputElement>(`#${id}`)
    : wrapper.find<HTMLInputElement>(`[aria-label="${name}"]`);
  if (!found.exists()) throw new Error(`no control labelled ${name}`);
  return found;
}

/** The button whose accessible name (aria-label or text) is exactly `name`, like getByRole('button'). */
export function button(
  wrapper: VueWrapper,
  name: string,
  within?: DOMWrapper<Element>,
): DOMWrapper<HTMLButtonElement> {
  const root = within ?? wrapper;
  const found = root
    .findAll<HTMLButtonElement>('button')
    .find((b) => (b.attributes('aria-label') ?? b.text().trim()) === name);
  if (!found) throw new Error(`no button named ${name}`);
  return found;
}

export function hasButton(wrapper: VueWrapper, name: string): boolean {
  return wrapper.findAll('button').some((b) => (b.attributes('aria-label') ?? b.text().trim()) === name);
}

/** Makes the virtualised list measurable in happy-dom (which does no layout). */
export function fakeLayout(): () => void {
  const ch = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
  const oh = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'offsetHeight');
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('messages') ? 600 : 0;
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('row') ? 56 : 0;
    },
  });
  return () => {
    if (ch) Object.defineProperty(HTMLElement.prototype, 'clientHeight', ch);
    if (oh) Object.defineProperty(HTMLElement.prototype, 'offsetHeight', oh);
  };
}

/**
 * For each test of the file: empty local storage, a fake messenger logged in as `me` and a
 * measurable layout, undone and the page emptied after it. Returns the current test's fake.
 */
export function useLoggedInPage(): () => FakeMessenger {
  let fake: FakeMessenger | undefined;
  let restoreLayout = () => {};
  beforeEach(async () => {
    localStorage.clear();
    fake = await loggedInAsMe();
    restoreLayout = fakeLayout();
  });
  afterEach(() => {
    restoreLayout();
    document.body.innerHTML = '';
  });
  return () => {
    if (!fake) throw new Error('no test is running');
    return fake;
  };
}
