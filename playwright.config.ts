import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests (e2e/). The `launchApp` fixture (e2e/fixtures.ts) runs each app instance in real
 * Electron when its binary is installed, else through the browser shell in Debian's Chromium
 * (`/usr/bin/chromium`; `$CHROMIUM` names another executable, e.g. Playwright's own on GitHub's runners).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
  },
});
