/**
 * The main window at the sizes people use: side by side on a laptop, the people panel behind a button
 * in a narrow window, one column (list, then chat with a back button) on a phone-sized one. Geometry
 * is measured in the real browser.
 */
import type { Locator, Page } from '@playwright/test';
import { expectNoSeriousViolations } from './axe.js';
import { expect, launchLoggedIn, messages, personAction, send, test } from './fixtures.js';

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await locator.boundingBox();
  if (!b) throw new Error('element has no box (not rendered)');
  return b;
}

/** How far the page scrolls sideways (0 when nothing overflows the window). */
function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

function peoplePanel(page: Page): Locator {
  return page.getByRole('complementary', { name: 'People' });
}

function peopleButton(page: Page): Locator {
  return page.getByRole('button', { name: 'People', exact: true });
}

function everyoneEntry(page: Page): Locator {
  return page.getByRole('list', { name: 'Conversation list' }).getByRole('button', { name: /^Everyone/ });
}

test('at 1280×800 the list, the chat and the people panel sit side by side at full height', async ({
  server,
  launchApp,
}) => {
  const [alice] = await launchLoggedIn(launchApp, server, 'alice');
  await alice.setViewportSize({ width: 1280, height: 800 });
  const chat = await box(alice.getByRole('main'));
  expect(chat.width).toBeGreaterThan(600);
  expect(chat.height).toBeGreaterThan(750);
  await expect(peoplePanel(alice)).toBeVisible();
  expect((await box(peoplePanel(alice))).x).toBeGreaterThanOrEqual(chat.x + chat.width - 1);
  await expect(peopleButton(alice)).toBeHidden();
  expect(await sidewaysOverflow(alice)).toBe(0);
});

test('at 800×600 the people panel opens from a People button over the full-height chat', async ({
  server,
  launchApp,
}) => {
  const [alice] = await launchLoggedIn(launchApp, server, 'alice');
  await alice.setViewportSize({ width: 800, height: 600 });
  const chat = await box(alice.getByRole('main'));
  expect(chat.width).toBeGreaterThan(450);
  expect(chat.height).toBeGreaterThan(550);
  expect(await sidewaysOverflow(alice)).toBe(0);

  // The panel is hidden behind its button; the button opens it, Escape closes it and returns focus.
  await expect(peoplePanel(alice)).toBeHidden();
  const button = peopleButton(alice);
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await button.click();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await expect(peoplePanel(alice)).toBeVisible();
  await expect(peoplePanel(alice).getByText('No other users are online')).toBeVisible();
  const panel = await box(peoplePanel(alice));
  expect(panel.x + panel.width).toBeLessThanOrEqual(800);
  await expect(peoplePanel(alice).getByRole('button', { name: 'Close people panel' })).toBeFocused();
  await alice.keyboard.press('Escape');
  await expect(peoplePanel(alice)).toBeHidden();
  await expect(button).toBeFocused();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
});

for (const size of [
  { width: 400, height: 700 },
  { width: 360, height: 640 },
]) {
  test(`at ${size.width}×${size.height} one column: the list, then the chat with a back button`, async ({
    server,
    launchApp,
  }) => {
    const [alice] = await launchLoggedIn(launchApp, server, 'alice');
    await alice.setViewportSize(size);

    // The conversation list takes the window.
    const list = await box(alice.getByRole('navigation', { name: 'Conversations' }));
    expect(list.width).toBeGreaterThan(size.width - 2);
    expect(await sidewaysOverflow(alice)).toBe(0);

    // Opening a conversation shows the chat across the whole window.
    await everyoneEntry(alice).click();
    const chat = await box(alice.getByRole('main'));
    expect(chat.width).toBeGreaterThan(size.width - 2);
    expect(chat.height).toBeGreaterThan(size.height - 50);
    await expect(alice.getByRole('navigation', { name: 'Conversations' })).toBeHidden();
    const composer = alice.getByRole('textbox', { name: 'Message', exact: true });
    await expect(composer).toBeFocused();
    // The placeholder fits on one line: the composer is wide and one line high.
    const input = await box(composer);
    expect(input.width).toBeGreaterThan(size.width / 2);
    expect(input.height).toBeLessThan(60);
    await send(alice, 'Hello from a small window');
    const sent = await box(messages(alice, 'Everyone').getByText('Hello from a small window'));
    expect(sent.x + sent.width).toBeLessThanOrEqual(size.width);
    expect(await sidewaysOverflow(alice)).toBe(0);

    await expectNoSeriousViolations(alice, `chat at ${size.width}×${size.height}`);

    // The chat header has its own People button (the sidebar's is out of sight); closing returns to it.
    await peopleButton(alice).click();
    const drawer = await box(peoplePanel(alice));
    expect(drawer.x + drawer.width).toBeLessThanOrEqual(size.width);
    await alice.keyboard.press('Escape');
    await expect(peoplePanel(alice)).toBeHidden();
    await expect(
      alice.locator('.chat-header').getByRole('button', { name: 'People', exact: true }),
    ).toBeFocused();

    // Back to the list; focus lands on the conversation that was open.
    await alice.getByRole('button', { name: 'Back to conversations' }).click();
    await expect(alice.getByRole('main')).toBeHidden();
    await expect(everyoneEntry(alice)).toBeFocused();

    // The people panel opens over the list and fits the window.
    await expectNoSeriousViolations(alice, `conversation list at ${size.width}×${size.height}`);
    await peopleButton(alice).click();
    await expectNoSeriousViolations(alice, `people drawer at ${size.width}×${size.height}`);
    const panel = await box(peoplePanel(alice));
    expect(panel.x).toBeGreaterThanOrEqual(0);
    expect(panel.x + panel.width).toBeLessThanOrEqual(size.width);
    await peoplePanel(alice).getByRole('button', { name: 'Close people panel' }).click();
    await expect(peoplePanel(alice)).toBeHidden();
    await expect(peopleButton(alice)).toBeFocused();
    expect(await sidewaysOverflow(alice)).toBe(0);
  });
}

test('the login card fits a 360 px window without sideways scrolling', async ({ launchApp }) => {
  const alice = await launchApp('alice');
  await alice.setViewportSize({ width: 360, height: 640 });
  const card = await box(alice.locator('.login-card'));
  expect(card.x).toBeGreaterThanOrEqual(0);
  expect(card.x + card.width).toBeLessThanOrEqual(360);
  const logIn = await box(alice.getByRole('button', { name: 'Log in' }));
  expect(logIn.x + logIn.width).toBeLessThanOrEqual(card.x + card.width);
  expect(await sidewaysOverflow(alice)).toBe(0);
});

test('at 800×600 choosing Message in the people drawer closes it and puts the focus in that chat', async ({
  server,
  launchApp,
}) => {
  const [alice] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await alice.setViewportSize({ width: 800, height: 600 });
  await peopleButton(alice).click();
  await personAction(alice, 'bob', 'Message');
  await expect(peoplePanel(alice)).toBeHidden();
  await expect(alice.getByRole('heading', { level: 2, name: 'bob', exact: true })).toBeVisible();
  await expect(alice.getByRole('textbox', { name: 'Message', exact: true })).toBeFocused();

  // Again for the chat that is already open: the drawer still closes, the focus still lands there.
  await peopleButton(alice).click();
  await personAction(alice, 'bob', 'Message');
  await expect(peoplePanel(alice)).toBeHidden();
  await expect(alice.getByRole('textbox', { name: 'Message', exact: true })).toBeFocused();
});
