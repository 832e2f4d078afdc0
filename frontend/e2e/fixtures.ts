import { test as base, expect } from '@playwright/test';

import { BASE_URL_ENV } from './server';

/**
 * `test` with `baseURL` pointing at the server started by the global setup, and a `page` that
 * fails its test when the browser refuses anything under the server's Content-Security-Policy.
 */
export const test = base.extend({
  page: async ({ page }, use) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await use(page);
    expect(violations, 'Content-Security-Policy violations').toEqual([]);
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take a destructured object.
  baseURL: async ({}, use) => {
    const url = process.env[BASE_URL_ENV];
    if (url === undefined) throw new Error(`${BASE_URL_ENV} is not set: run the tests with \`npm run e2e\`.`);
    await use(url);
  },
});

export { expect };
