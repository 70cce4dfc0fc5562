/** "alice is typing…" between two app instances: shown, ended by her message or by itself, never to a blocker. */
import type { Page } from '@playwright/test';
import { TYPING_REFRESH_MS, TYPING_TTL_MS } from '../src/shared/limits.js';
import {
  conversationEntry,
  expect,
  launchLoggedIn,
  messages,
  openConversation,
  send,
  setBlocked,
  test,
} from './fixtures.js';

/** The live region under the open chat saying that `who` is typing. */
function typingIndicator(page: Page, who: string) {
  return page.getByRole('status').filter({ hasText: `${who} is typing…` });
}

/** Types in the open chat's composer without sending (key by key, as a person does). */
async function typeDraft(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message', exact: true }).pressSequentially(text);
}

test('alice types: bob sees "alice is typing…" until her message arrives, and until it runs out by itself', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(bob, 'alice');
  await openConversation(alice, 'bob');

  await typeDraft(alice, 'Hello B');
  await expect(typingIndicator(bob, 'alice')).toBeVisible();
  await expect(conversationEntry(bob, 'alice')).toContainText('typing…');
  // Only in the chat with the typer: alice sees nothing about herself.
  await expect(alice.getByText(/is typing/)).toHaveCount(0);

  await alice.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  await expect(messages(bob, 'alice').getByText('Hello B', { exact: true })).toBeVisible();
  // Ended by the message itself (the core drops it as the message comes), long before the ttl.
  await expect(typingIndicator(bob, 'alice')).toHaveCount(0, { timeout: 1_000 });
  await expect(conversationEntry(bob, 'alice')).toContainText('Hello B');

  // She types and stops, the composer still focused and full: no stop notice goes, the
  // indicator ends by itself once no refresh comes for TYPING_TTL_MS.
  await typeDraft(alice, 'and th');
  await expect(typingIndicator(bob, 'alice')).toBeVisible();
  const shownAt = Date.now();
  await expect(typingIndicator(bob, 'alice')).toHaveCount(0, { timeout: TYPING_TTL_MS + 5_000 });
  expect(Date.now() - shownAt).toBeGreaterThan(TYPING_TTL_MS - TYPING_REFRESH_MS);
  await expect(alice.getByRole('textbox', { name: 'Message', exact: true })).toHaveValue('and th');
});

test('a typer bob has blocked is never shown typing; once unblocked, she is', async ({
  server,
  launchApp,
}) => {
  const [alice, bob, carol] = await launchLoggedIn(launchApp, server, 'alice', 'bob', 'carol');
  await openConversation(alice, 'bob');
  await send(alice, 'before the block');
  await openConversation(carol, 'bob');
  await send(carol, 'hi bob');
  await conversationEntry(bob, 'alice').click();
  await setBlocked(bob, 'alice', true);

  await typeDraft(alice, 'you cannot see this');
  // carol types after alice: her notice shows, so alice's, had it been relayed, would be in too.
  await typeDraft(carol, 'but this');
  await expect(conversationEntry(bob, 'carol')).toContainText('typing…');
  await expect(typingIndicator(bob, 'alice')).toHaveCount(0);
  await expect(conversationEntry(bob, 'alice')).not.toContainText('typing…');

  await setBlocked(bob, 'alice', false);
  await alice.getByRole('textbox', { name: 'Message', exact: true }).fill('');
  await typeDraft(alice, 'now you can');
  await expect(typingIndicator(bob, 'alice')).toBeVisible();
});
