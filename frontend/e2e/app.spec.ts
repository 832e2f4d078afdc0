import { expect, test } from './fixtures';

test.describe('the single-page app', () => {
  test.use({ locale: 'en-US' });

  test('visiting / lands on the login page', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login(\?|$)/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });

  test('the footer shows the server version from the API', async ({ page, request }) => {
    const info = (await (await request.get('/api/v1/system/info')).json()) as { version: string };
    await page.goto('/login');
    await expect(page.getByTestId('server-version')).toHaveText(`Server version ${info.version}`);
  });

  test('the login page switches between English and Dutch', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeVisible();

    await page.getByText('Nederlands').click();
    await expect(page.getByRole('heading', { level: 1, name: 'Inloggen bij Haven' })).toBeVisible();
    await expect(page.getByLabel('E-mailadres')).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'nl');

    // The choice survives a reload.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Inloggen bij Haven' })).toBeVisible();

    await page.getByText('English').click();
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });

  test('signing in with unknown credentials says so in the chosen language', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email address').fill('nobody@example.com');
    await page.locator('input[name="password"]').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('The email address or password is incorrect.');
    await expect(page).toHaveURL(/\/login/);
  });

  test('an unknown client route is served the SPA, which shows not found', async ({ page }) => {
    const response = await page.goto('/some/deep/link');
    expect(response?.headers()['content-type']).toContain('text/html');
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expect(page).toHaveURL(/\/some\/deep\/link$/);
  });
});

test.describe('a Dutch browser', () => {
  test.use({ locale: 'nl-NL' });

  test('gets the login page in Dutch', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Inloggen bij Haven' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  });
});
