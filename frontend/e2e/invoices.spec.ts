import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from './fixtures';
import { registerAdministrator, type Person } from './helpers';
import { waitForText } from './mail';

/**
 * Document exchange in the web app, against the real server: an Administrator activates an
 * organization (by the code mailed to the register's contact), sends a valid invoice on the
 * Send page after seeing it validated, and finds it in the outbox and on its document page.
 */
test.use({ locale: 'en-US' });

const stamp = Date.now().toString(36);
const admin: Person = { name: 'Pim Polder', email: `pim-${stamp}@example.com`, password: 'correct horse battery staple' };
/** Polderdata (seller) and Hollandse Fietsfabriek (buyer) from the offline register; other specs use other companies. */
const SELLER_KVK = '90000067';
const SELLER_CONTACT = 'finance@polderdata.example';
const BUYER_KVK = '90000075';

/** The repository's valid Peppol BIS 3 fixture, from our seller to our buyer, with its own number. */
function invoiceXml(number: string): Buffer {
  const fixture = resolve(
    dirname(fileURLToPath(import.meta.url)),
    '../../crates/einvoice/tests/fixtures/peppol-minimal.xml',
  );
  const xml = readFileSync(fixture, 'utf8')
    .replaceAll('HAVEN-0001', number)
    .replaceAll('12345678', SELLER_KVK)
    .replaceAll('87654321', BUYER_KVK);
  return Buffer.from(xml, 'utf8');
}

test('send a validated invoice and find it in the outbox', async ({ page }) => {
  test.setTimeout(150_000);
  await registerAdministrator(page, admin);

  // Add Polderdata from the (offline) register and activate it by the emailed code.
  await page.getByRole('link', { name: 'Organizations', exact: true }).click();
  await page.getByRole('link', { name: 'Add organization' }).click();
  await page.getByRole('textbox', { name: /KvK number/ }).fill(SELLER_KVK);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: /^Select Polderdata/ }).first().click();
  await expect(page.getByRole('textbox', { name: /KvK number/ })).not.toBeEmpty();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Save organization' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Polderdata B.V.' })).toBeVisible();
  await page.getByRole('tab', { name: 'Activation' }).click();
  await page.getByRole('button', { name: 'Request activation' }).click();
  const [, code] = await waitForText(SELLER_CONTACT, /Activation code: (\d{6})/);
  await page.getByRole('textbox', { name: 'Activation code' }).fill(code ?? '');
  await page.getByRole('button', { name: 'Activate', exact: true }).click();
  await expect(page.getByText('The organization is active', { exact: false })).toBeVisible();

  // The Send page validates the file as soon as it is chosen.
  const number = `E2E-${stamp}`;
  await page.getByRole('link', { name: 'Send invoice', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Send an invoice' })).toBeVisible();
  await page.locator('input[type="file"]').setInputFiles({
    name: `${number}.xml`,
    mimeType: 'application/xml',
    buffer: invoiceXml(number),
  });
  await expect(page.getByText('The invoice is valid.', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByText('The invoice was accepted for delivery.')).toBeVisible();
  await expect(page.getByText(/Track-and-trace id: [0-9a-f-]{36}/)).toBeVisible();

  // The outbox lists it; its page shows the facts and the history.
  await page.getByRole('link', { name: 'Outbox', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: number });
  await expect(row).toBeVisible();
  await row.getByRole('link', { name: `Open invoice ${number}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: number })).toBeVisible();
  await expect(page.getByText('Accepted', { exact: true })).toBeVisible();
  // The server's HTML rendering, in its sandboxed frame.
  const rendering = page.frameLocator(`iframe[title="Rendering of invoice ${number}"]`);
  await expect(rendering.getByRole('heading', { level: 1, name: `Invoice ${number}` })).toBeVisible();
});
