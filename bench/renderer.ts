/**
 * Scenario 6: the Vue renderer in Debian's Chromium through the browser shell (src/browser-shell),
 * against a real server holding one conversation of N messages. Measures app start → usable login
 * screen, click → first paint of the chat view, and requestAnimationFrame deltas while scrolling
 * from the bottom towards the top (older pages load as the view nears the top).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from './lib/pool.js';
import { PASSWORD, startOurServer } from './lib/servers.js';
import { nowMicros, percentile, round } from './lib/stats.js';
import { progress } from './scenarios.js';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export interface RendererResult {
  messages: number;
  figures: Record<string, number>;
  scroll: {
    frames: number;
    seconds: number;
    reachedTop: boolean;
    scrolledPx: number;
    approxRowsScrolled: number;
  };
}

/** Runs in the page: scrolls the chat log upwards a fixed distance per frame, recording frame deltas. */
const SCROLL_SCRIPT = `async ({ maxMs, step }) => {
  const el = document.querySelector('[role="log"]');
  if (!el) throw new Error('no chat log element');
  const deltas = [];
  let scrolled = 0;
  let atTop = 0;
  const start = performance.now();
  let last = start;
  return await new Promise((resolve) => {
    const frame = (now) => {
      deltas.push(now - last);
      last = now;
      const before = el.scrollTop;
      el.scrollTop = Math.max(0, before - step);
      scrolled += before - el.scrollTop;
      const loading = el.querySelector('.loading-older') !== null;
      atTop = el.scrollTop === 0 && !loading ? atTop + 1 : 0;
      if (now - start > maxMs || atTop > 90) {
        resolve({ deltas: deltas.slice(1), seconds: (now - start) / 1000, reachedTop: atTop > 90, scrolled });
        return;
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}`;

export async function renderer(options: { quick: boolean; root: string }): Promise<RendererResult> {
  const shellEntry = join(options.root, 'src', 'browser-shell', 'shell.ts');
  if (!existsSync(shellEntry)) throw new Error('src/browser-shell is not there yet: scenario 6 skipped');
  if (!existsSync(join(options.root, 'out', 'renderer', 'index.html'))) {
    throw new Error('no built renderer in out/renderer: run `npm run build` first');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const count = options.quick ? 2000 : 100_000;
  const viewer = 'viewer';
  const peer = 'peer';
  const server = await startOurServer({ users: [viewer, peer], kdfCost: 2 });
  const cleanups: (() => Promise<unknown>)[] = [async () => server.stop()];
  try {
    // Seed the conversation with both users online (the viewer acks, so nothing is left as a backlog).
    progress(`renderer: seeding a ${count}-message conversation`);
    const pool = new Pool(2);
    try {
      const connect = (i: number, name: string): Promise<unknown> =>
        pool.workers[i]!.run({
          cmd: 'connect',
          kind: 'ours',
          host: server.host,
          port: server.port,
          names: [name],
          password: PASSWORD,
          localAddresses: [],
          concurrency: 1,
          quiet: false,
          timeoutMs: 30_000,
          budgetMs: 30_000,
          stopOnFailure: true,
        });
      await connect(0, viewer);
      await connect(1, peer);
      await pool.all(() => ({ cmd: 'reset', phase: 'rn', quiet: false }));
      await pool.workers[1]!.run({
        cmd: 'seed',
        to: viewer,
        perClient: count,
        window: 64,
        tag: 'rn',
        budgetMs: 240_000,
      });
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const stats = await pool.workers[0]!.run<{ received: number }>({ cmd: 'stats' });
        if (stats.received >= count) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await pool.all(() => ({ cmd: 'closeAll', destroy: false }));
    } finally {
      await pool.stop();
    }

    const { chromium } = await import('@playwright/test');
    const { startBrowserShell } = (await import(
      shellEntry
    )) as typeof import('../src/browser-shell/shell.js');
    progress('renderer: starting the browser shell and Chromium');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
    cleanups.unshift(() => browser.close());
    const t0 = nowMicros();
    const shell = await startBrowserShell({ server: { host: server.host, port: server.port } });
    cleanups.unshift(() => shell.close());
    const tShell = nowMicros();
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(shell.launchUrl());
    const loginButton = page.getByRole('button', { name: 'Log in' });
    await loginButton.waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(
      `(() => { const b = [...document.querySelectorAll('button')].find((x) => x.textContent.trim() === 'Log in'); return b && !b.disabled; })()`,
    );
    const tLogin = nowMicros();

    await page.getByLabel('Server host').fill(server.host);
    await page.getByLabel('Server port').fill(String(server.port));
    await page.getByLabel('Username').fill(viewer);
    await page.getByLabel('Password').fill(PASSWORD);
    await loginButton.click();
    const conversation = page
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('button', { name: /peer/ });
    await conversation.waitFor({ state: 'visible', timeout: 60_000 });

    progress('renderer: opening the conversation');
    const tClick = nowMicros();
    await conversation.click();
    await page.locator('[role="log"] .message-row').last().waitFor({ state: 'visible', timeout: 60_000 });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const tPaint = nowMicros();

    progress('renderer: scrolling from the bottom towards the top');
    const maxMs = options.quick ? 4000 : 20_000;
    const scroll = (await page.evaluate(`(${SCROLL_SCRIPT})({ maxMs: ${maxMs}, step: 1500 })`)) as {
      deltas: number[];
      seconds: number;
      reachedTop: boolean;
      scrolled: number;
    };
    const sorted = Float64Array.from(scroll.deltas).sort();
    const result: RendererResult = {
      messages: count,
      figures: {
        'app start → usable login screen, ms': round((tLogin - t0) / 1000, 1),
        'of which browser-shell start, ms': round((tShell - t0) / 1000, 1),
        [`open ${count}-msg chat → first paint, ms`]: round((tPaint - tClick) / 1000, 1),
        'scroll frame p50, ms': round(percentile(sorted, 50), 2),
        'scroll frame p95, ms': round(percentile(sorted, 95), 2),
        'scroll frame max, ms': round(sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN, 2),
        // rAF deltas are vsync-quantised (16.7, 33.3, …), so p95 hides how many frames were missed.
        'scroll frames missed (over 17 ms), %': round(
          (100 * sorted.filter((d) => d > 17).length) / Math.max(1, sorted.length),
          2,
        ),
        'scroll frames over 25 ms, %': round(
          (100 * sorted.filter((d) => d > 25).length) / Math.max(1, sorted.length),
          2,
        ),
      },
      scroll: {
        frames: scroll.deltas.length,
        seconds: round(scroll.seconds, 2),
        reachedTop: scroll.reachedTop,
        scrolledPx: Math.round(scroll.scrolled),
        approxRowsScrolled: Math.round(scroll.scrolled / 56),
      },
    };
    progress(`renderer: ${JSON.stringify(result.figures)}`);
    return result;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}
