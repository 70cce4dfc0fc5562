/**
 * The browser shell's one-time launch link, with the real renderer: it opens the app once (a reload
 * keeps the session), and a second browser given the same link is told it was already used.
 */
import { startBrowserShell } from '../src/browser-shell/shell.js';
import { expect, login, test } from './fixtures.js';

test('a launch link opens the app once; a second browser with it is told so', async ({
  browser,
  server,
  shell,
}) => {
  test.skip(shell === 'electron', 'launch links belong to the browser shell');
  const appShell = await startBrowserShell({ server: { host: server.host, port: server.port } });
  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    const link = appShell.launchUrl();
    const page = await first.newPage();
    await page.goto(link);
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
    expect(page.url()).not.toContain('launch=');

    const intruder = await second.newPage();
    await intruder.goto(link);
    await expect(intruder.getByRole('alert')).toContainText('This launch link has already been used');
    await expect(intruder.getByRole('button', { name: 'Log in' })).toHaveCount(0);

    // The first page keeps its session across a reload, and the app works through it.
    await page.reload();
    await login(page, server, 'alice');
  } finally {
    await second.close();
    await first.close();
    await appShell.close();
  }
});
