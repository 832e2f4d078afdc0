import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests against the real Haven binary serving the built SPA (`npm run build`
 * first). `e2e/global-setup.ts` starts the server on a free port; the tests take its URL
 * from the `baseURL` fixture in `e2e/fixtures.ts`.
 *
 * No browser is downloaded: Debian's Chromium is used (`CHROMIUM_PATH` to override).
 */
export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
