/**
 * `npm run screenshots`: regenerates docs/screenshots/*.png. Starts a real server with seeded users
 * (temporary database), runs app instances through the browser shell in Debian's Chromium
 * (/usr/bin/chromium, or $CHROMIUM) driven by Playwright, plays a short conversation and captures
 * every screen: login, conversation list + chat, people panel, blocked-users settings, a private
 * chat window and a picture sent in it, a group with receipts and reactions, and the dark theme;
 * then the main screens at 1280×800, 800×600 and 400×700, light and dark.
 * Reactions show as emoji only where Chromium has an emoji font (Debian: fonts-noto-color-emoji).
 */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrowserShell, type BrowserShell } from '../src/browser-shell/shell.js';
import { findChromium } from '../src/browser-shell/chromium.js';
import { ensureAppBuilt } from './lib/build.js';
import { startSeededServer, type SeededServer } from './lib/seeded-server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'docs/screenshots');
const VIEWPORT = { width: 1280, height: 800 };
/** The window sizes of the screens in docs/app.md: a laptop, a small window, a phone-sized one. */
const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
  { width: 400, height: 700 },
] as const;
const USERS: Record<string, string> = {
  alice: 'alice-password',
  bob: 'bob-password',
  carol: 'carol-password',
  dave: 'dave-password',
  mallory: 'mallory-password',
};

const say = (line: string): void => console.log(`[screenshots] ${line}`);

interface Instance {
  name: string;
  shell: BrowserShell;
  context: BrowserContext;
  page: Page;
}

async function main(): Promise<void> {
  new Command('npm run screenshots')
    .description(
      'Regenerate docs/screenshots/*.png: a seeded server, app instances in Chromium, every screen.',
    )
    .addHelpText('after', '\nEnvironment:\n  CHROMIUM  Chromium executable (default /usr/bin/chromium)')
    .parse();
  await ensureAppBuilt(ROOT, say);
  const executablePath = findChromium(process.env['CHROMIUM']);
  if (!executablePath)
    throw new Error('Chromium is needed: apt-get install chromium (or set CHROMIUM=/path)');
  let server: SeededServer | undefined;
  let browser: Browser | undefined;
  const instances: Instance[] = [];
  try {
    server = await startSeededServer(USERS);
    const address = { host: server.host, port: server.port };
    browser = await chromium.launch({
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    await mkdir(OUT_DIR, { recursive: true });

    const open = async (name: string): Promise<Instance> => {
      const shell = await startBrowserShell({ server: address });
      const context = await browser!.newContext({ viewport: VIEWPORT, colorScheme: 'light' });
      const page = await context.newPage();
      await page.goto(shell.launchUrl());
      const instance = { name, shell, context, page };
      instances.push(instance);
      return instance;
    };
    const login = async ({ page, name }: Instance): Promise<void> => {
      await page.getByLabel('Server host').fill(address.host);
      await page.getByLabel('Server port').fill(String(address.port));
      await page.getByLabel('Username').fill(name);
      await page.getByLabel('Password').fill(USERS[name]!);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    };
    const shot = async (page: Page, file: string): Promise<void> => {
      await page.waitForTimeout(300); // let transitions settle
      await page.screenshot({ path: join(OUT_DIR, file) });
      say(`docs/screenshots/${file}`);
    };
    const send = async (page: Page, text: string): Promise<void> => {
      const composer = page.getByRole('textbox', { name: /message/i }).first();
      await composer.fill(text);
      await composer.press('Enter');
      await page.getByRole('log').getByText(text).first().waitFor();
    };
    /** Shows the chat with `peer` (in a one-column window the list may be hidden behind it already). */
    const showChat = async (page: Page, peer: string): Promise<void> => {
      const entry = page
        .getByRole('list', { name: 'Conversation list' })
        .getByRole('button', { name: new RegExp(`^${peer},`) });
      if (await entry.isVisible()) await entry.click();
      await page.getByRole('heading', { level: 2, name: peer, exact: true }).waitFor();
    };
    const openConversation = async (page: Page, peer: string): Promise<void> => {
      await page.getByRole('searchbox', { name: 'Search users' }).fill(peer);
      await page
        .getByRole('list', { name: 'Search results' })
        .getByRole('button', { name: new RegExp(peer) })
        .click();
    };

    // Login screen.
    const alice = await open('alice');
    await alice.page.getByLabel('Username').waitFor();
    await alice.page.getByLabel('Server host').fill(address.host);
    await alice.page.getByLabel('Server port').fill(String(address.port));
    await alice.page.getByLabel('Username').fill('alice');
    await shot(alice.page, 'login.png');

    // Seed: bob and carol write to alice while she is away (offline delivery), then everyone logs in.
    const bob = await open('bob');
    const carol = await open('carol');
    const dave = await open('dave');
    await login(bob);
    await login(carol);
    await openConversation(bob.page, 'alice');
    await send(bob.page, 'Hi Alice! Are we still on for lunch tomorrow?');
    await send(bob.page, 'I found a new place near the station: www.example.com/lunch');
    await openConversation(carol.page, 'alice');
    await send(carol.page, 'The slides are ready for review.');
    await login(alice);
    await login(dave);
    await openConversation(alice.page, 'bob');
    await send(alice.page, 'Yes! 12:30 works for me.');
    await send(bob.page, 'Great, see you there.');
    await alice.page.getByRole('log').getByText('Great, see you there.').waitFor();
    await carol.page
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('button', { name: /Everyone/ })
      .click();
    await send(carol.page, 'Standup moved to 10:15 today.');

    // Conversation list + chat (people panel visible on the right).
    await alice.page
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('button', { name: /bob/ })
      .click();
    await alice.page.getByRole('log').getByText('Great, see you there.').waitFor();
    await shot(alice.page, 'chat.png');

    // People panel (cropped): dave was online a moment ago and has logged out since.
    const people = alice.page.getByRole('complementary', { name: 'People' });
    await dave.page.getByRole('button', { name: 'Log out' }).click();
    await people.getByRole('list', { name: 'Online now' }).getByText('dave').waitFor({ state: 'detached' });
    await people.getByRole('list', { name: 'Recently online' }).getByText('dave').waitFor();
    await people.screenshot({ path: join(OUT_DIR, 'people.png') });
    say('docs/screenshots/people.png');
    // A person's actions menu, open.
    await people.getByRole('button', { name: 'Actions for bob', exact: true }).click();
    await people.getByRole('menu', { name: 'Actions for bob' }).waitFor();
    await people.screenshot({ path: join(OUT_DIR, 'person-menu.png') });
    say('docs/screenshots/person-menu.png');
    await alice.page.keyboard.press('Escape');

    // Blocked users settings: alice blocks mallory.
    await alice.page.getByRole('button', { name: 'Blocked users' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Blocked users' });
    await dialog.getByLabel('Username to block').fill('mallory');
    await dialog.getByRole('button', { name: 'Block' }).click();
    await dialog
      .getByRole('list', { name: 'Blocked users' })
      .getByRole('listitem')
      .filter({ hasText: 'mallory' })
      .waitFor();
    await shot(alice.page, 'blocked.png');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Private chat: alice starts one with bob; both windows open.
    const alicePopup = alice.context.waitForEvent('page');
    // Bob's app opens its window as soon as the private session reaches it.
    const bobPopup = bob.context.waitForEvent('page');
    await people
      .getByRole('list', { name: 'Online now' })
      .getByRole('listitem')
      .filter({ hasText: 'bob' })
      .getByRole('button', { name: 'Actions for bob', exact: true })
      .click();
    await people.getByRole('menuitem', { name: 'Start private chat with bob' }).click();
    const alicePrivate = await alicePopup;
    await alicePrivate.setViewportSize({ width: 560, height: 680 });
    await alicePrivate.getByRole('textbox').first().waitFor();
    await send(alicePrivate, 'This goes straight to your computer, not through the server.');
    const bobPrivate = await bobPopup;
    await bobPrivate.setViewportSize({ width: 560, height: 680 });
    await bobPrivate.getByText('This goes straight to your computer').first().waitFor();
    await send(bobPrivate, 'Nice — end to end!');
    await alicePrivate.getByText('Nice — end to end!').first().waitFor();
    await shot(alicePrivate, 'private-chat.png');

    // A picture sent in the private chat: it goes from app to app, and bob sees its thumbnail.
    const picture = await alice.page.screenshot({ clip: { x: 0, y: 0, width: 640, height: 400 } });
    await alicePrivate
      .getByLabel('File to send')
      .setInputFiles({ name: 'lunch-spot.png', mimeType: 'image/png', buffer: picture });
    await bobPrivate.getByRole('button', { name: 'Save as… lunch-spot.png' }).waitFor();
    await shot(bobPrivate, 'private-file.png');

    // A group: alice's message read by both members, bob's answer with reactions.
    await alice.page.bringToFront();
    await alice.page.getByRole('button', { name: 'New group' }).click();
    const newGroup = alice.page.getByRole('form', { name: 'New group' });
    await newGroup.getByRole('textbox', { name: 'Group name' }).fill('Lunch crew');
    for (const member of ['bob', 'carol'])
      await newGroup.getByRole('checkbox', { name: member, exact: true }).check();
    await newGroup.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { level: 2, name: 'Lunch crew', exact: true }).waitFor();
    await send(alice.page, 'Same place on Friday?');
    for (const member of [bob, carol]) {
      await member.page.bringToFront();
      await showChat(member.page, 'Lunch crew');
      await member.page.getByRole('log').getByText('Same place on Friday?').waitFor();
    }
    await send(bob.page, 'Count me in!');
    const react = async (page: Page, text: string, name: string): Promise<void> => {
      await page.getByRole('log').locator('.message-row').filter({ hasText: text }).locator('.bubble').click({
        button: 'right',
      });
      await page.getByRole('menuitem', { name: 'React' }).click();
      await page.getByRole('menuitemcheckbox', { name: `React with ${name}` }).click();
    };
    await react(carol.page, 'Count me in!', 'thumbs up');
    await alice.page.bringToFront();
    await alice.page.getByRole('log').getByText('Count me in!').waitFor();
    await react(alice.page, 'Count me in!', 'thumbs up');
    await alice.page.getByText('Read by 2 of 2').waitFor();
    await shot(alice.page, 'group.png');

    // A picture sent to the group: bob's app downloads it by itself and shows it inline.
    await alice.page
      .getByLabel('File to send')
      .setInputFiles({ name: 'lunch-spot.png', mimeType: 'image/png', buffer: picture });
    await bob.page.bringToFront();
    await bob.page.getByRole('img', { name: 'Picture: lunch-spot.png' }).waitFor();
    await shot(bob.page, 'chat-file.png');
    await alice.page.bringToFront();

    // Dark theme (follows the system setting).
    await alice.page.bringToFront();
    await alice.page.emulateMedia({ colorScheme: 'dark' });
    await shot(alice.page, 'dark.png');
    await alicePrivate.emulateMedia({ colorScheme: 'dark' });
    await shot(alicePrivate, 'private-chat-dark.png');

    // The main screens at every size, light and dark: login, the chat, and in narrow windows the
    // people drawer and (one column) the conversation list.
    const visitor = await open('mallory');
    await visitor.page.getByLabel('Server host').fill(address.host);
    await visitor.page.getByLabel('Server port').fill(String(address.port));
    await visitor.page.getByLabel('Username').fill('mallory');
    for (const colorScheme of ['light', 'dark'] as const) {
      await alice.page.emulateMedia({ colorScheme });
      await visitor.page.emulateMedia({ colorScheme });
      for (const size of SIZES) {
        const tag = `${size.width}x${size.height}-${colorScheme}`;
        await visitor.page.setViewportSize(size);
        await shot(visitor.page, `login-${tag}.png`);
        await alice.page.setViewportSize(size);
        await showChat(alice.page, 'bob');
        await shot(alice.page, `chat-${tag}.png`);
        if (size.width <= 900) {
          await alice.page.getByRole('button', { name: 'People', exact: true }).click();
          await people.getByRole('list', { name: 'Online now' }).waitFor();
          await shot(alice.page, `people-${tag}.png`);
          await alice.page.keyboard.press('Escape');
        }
        if (size.width <= 640) {
          await alice.page.getByRole('button', { name: 'Back to conversations' }).click();
          await shot(alice.page, `list-${tag}.png`);
        }
      }
    }
  } finally {
    for (const instance of instances) await instance.context.close().catch(() => undefined);
    await browser?.close();
    for (const instance of instances) await instance.shell.close().catch(() => undefined);
    await server?.close();
  }
}

main().catch((error: unknown) => {
  console.error(`[screenshots] ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
