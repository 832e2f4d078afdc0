import { expect, test } from './fixtures';
import { addAndActivate, invoiceXml, registerAdministrator, type Person } from './helpers';

/**
 * Accounting software connects: an Organization Administrator creates a connection key in the
 * web app and copies the client id and secret; a script trades them for a token over HTTP and
 * sends an invoice with it; the call shows in the connection's usage log. Other specs use
 * other companies; this one uses Atelier Lindeboom (seller) and Kanaalkade (buyer, reached by
 * email).
 */
test.use({ locale: 'en-US' });

const stamp = Date.now().toString(36);
const admin: Person = { name: 'Lotte Lindeboom', email: `lotte-${stamp}@example.com`, password: 'correct horse battery staple' };
const SELLER = {
  kvk: '90000113',
  name: 'Atelier Lindeboom',
  heading: 'Atelier Lindeboom',
  contact: 'atelier@lindeboom.example',
};
const BUYER_KVK = '90000172';

test('a connection key made in the web app sends an invoice over the API and shows in the usage log', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  await registerAdministrator(page, admin);
  await addAndActivate(page, SELLER);

  // Organization → Connections → a new connection for a software package.
  await page.getByRole('tab', { name: 'Connections' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Connections of ${SELLER.heading}` })).toBeVisible();
  await expect(page.getByText('No connections yet.')).toBeVisible();
  await page.getByRole('combobox', { name: 'Software' }).click();
  await page.getByRole('option', { name: 'Moneybird' }).click();
  await page.getByRole('textbox', { name: 'Name' }).fill('Bookkeeping');
  await page.getByRole('button', { name: 'Create connection' }).click();

  // The key, shown once, with copy buttons and the warning.
  const dialog = page.getByRole('dialog', { name: 'Connection key for Bookkeeping' });
  await expect(dialog.getByRole('alert')).toContainText('it will not be shown again');
  await expect(dialog.getByRole('button', { name: 'Copy the secret' })).toBeVisible();
  const clientId = (await dialog.getByTestId('Client id').textContent()) ?? '';
  const secret = (await dialog.getByTestId('Secret').textContent()) ?? '';
  expect(clientId).toMatch(/^hvn_[0-9a-f]{32}$/);
  expect(secret).toHaveLength(43);
  await dialog.getByRole('button', { name: 'I have stored the secret' }).click();
  await expect(page.getByText(secret)).toHaveCount(0);
  const row = page.getByRole('row').filter({ hasText: 'Bookkeeping' });
  await expect(row.getByText('Moneybird')).toBeVisible();
  await expect(row.getByText('Active')).toBeVisible();

  // The accounting software: a token, then an invoice.
  const token = await request.post('/connect/token', {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
  });
  expect(token.status()).toBe(200);
  const { access_token: accessToken, scope } = (await token.json()) as { access_token: string; scope: string };
  expect(scope).toBe('send receive');
  const number = `KEY-${stamp}`;
  const sent = await request.post(`/api/v1/parties/0106:${SELLER.kvk}/sales-invoices`, {
    headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/xml' },
    data: invoiceXml(number, SELLER.kvk, BUYER_KVK, `crediteuren-${stamp}@kanaalkade.example`),
  });
  expect(sent.status()).toBe(202);
  // The token does not reach what is for people.
  const refused = await request.get('/api/v1/users', { headers: { Authorization: `Bearer ${accessToken}` } });
  expect(refused.status()).toBe(403);

  // The usage log shows both calls (written in batches: reopen until they are there).
  await expect(async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Usage of Bookkeeping' }).click();
    const usage = page.getByRole('dialog', { name: 'Usage of Bookkeeping' });
    await expect(usage.getByRole('row').filter({ hasText: '/api/v1/parties/{partyId}/sales-invoices' })).toContainText(
      '202',
      { timeout: 2_000 },
    );
  }).toPass({ timeout: 30_000 });
  const usage = page.getByRole('dialog', { name: 'Usage of Bookkeeping' });
  await expect(usage.getByRole('row').filter({ hasText: '/api/v1/users' })).toContainText('403');
  await page.keyboard.press('Escape');
  await expect(row).not.toContainText('never');
});
