import { test as base, expect } from '@playwright/test';

import { BASE_URL_ENV } from './server';

/** `test` with `baseURL` pointing at the server started by the global setup. */
export const test = base.extend({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take a destructured object.
  baseURL: async ({}, use) => {
    const url = process.env[BASE_URL_ENV];
    if (url === undefined) throw new Error(`${BASE_URL_ENV} is not set: run the tests with \`npm run e2e\`.`);
    await use(url);
  },
});

export { expect };
