import { expect, test } from './fixtures';

test('the API reference at /api/docs renders the spec, offline', async ({ page, baseURL }) => {
  const origin = new URL(baseURL ?? '').origin;
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['data:', 'blob:', 'about:'].includes(url.protocol) && url.origin !== origin) foreign.push(request.url());
  });

  const response = await page.goto('/api/docs');
  expect(response?.status()).toBe(200);

  await expect(page.getByRole('heading', { name: 'Haven API' }).first()).toBeVisible();
  await expect(page.getByText(/health/i).first()).toBeVisible();
  await expect(page.getByText('/api/v1/system/info').first()).toBeAttached();

  // Nothing may come from outside the server (no CDN fonts, scripts or telemetry).
  expect(foreign).toEqual([]);
});
