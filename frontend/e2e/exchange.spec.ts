import { expect, test } from './fixtures';
import { addAndActivate, invoiceXml, registerAdministrator, sendOnSendPage, type Person } from './helpers';

/**
 * Organization A sends to organization B on this installation: one Administrator runs both
 * organizations in one environment, switches receiving on for the environment and for B, sends
 * A→B on the Send page, approves it in B's inbox (a Peppol Invoice Response, AP), and sees the
 * response on A's outbox document. Other specs use Tulpenveld, Zeewind and Polderdata; this one
 * uses Noorderlicht (A) and Brugwachter (B).
 */
test.use({ locale: 'en-US' });

const stamp = Date.now().toString(36);
const admin: Person = { name: 'Nina Noorderlicht', email: `nina-${stamp}@example.com`, password: 'correct horse battery staple' };
const SELLER = {
  kvk: '90000083',
  name: 'Kaasmakerij Noorderlicht',
  heading: 'Kaasmakerij Noorderlicht V.O.F.',
  contact: 'info@noorderlicht-kaas.example',
};
const BUYER = {
  kvk: '90000121',
  name: 'Brugwachter Software',
  heading: 'Brugwachter Software B.V.',
  contact: 'billing@brugwachter.example',
};

test('A sends to B on this installation; B approves; A sees the response', async ({ page }) => {
  test.setTimeout(180_000);
  await registerAdministrator(page, admin);

  // The environment receives (it pays per received document).
  await page.getByRole('link', { name: 'Environment', exact: true }).click();
  await page.getByRole('switch', { name: 'Receive e-invoices' }).check();
  await page.getByRole('checkbox', { name: /I understand that each received document costs/ }).check();
  await page.getByRole('button', { name: 'Save' }).last().click();
  await expect(page.getByText('Receiving is on.')).toBeVisible();

  await addAndActivate(page, SELLER);
  await addAndActivate(page, BUYER);
  // B receives on its KvK participant id.
  await page.getByRole('tab', { name: 'Identifiers' }).click();
  const receive = page.getByRole('switch', { name: `Receive on 0106:${BUYER.kvk}` });
  await expect(receive).toBeEnabled();
  await receive.click();
  await expect(receive).toBeChecked();

  // A sends to B.
  const number = `A2B-${stamp}`;
  await sendOnSendPage(page, number, invoiceXml(number, SELLER.kvk, BUYER.kvk), SELLER.name);

  // Delivered internally: B's inbox has it.
  await page.getByRole('link', { name: 'Inbox', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Inbox' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Organization' }).click();
  await page.getByRole('option', { name: new RegExp(BUYER.name) }).click();
  const row = page.getByRole('row').filter({ hasText: number });
  await expect(async () => {
    await page.reload();
    await expect(row).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await row.getByRole('link', { name: `Open invoice ${number}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: number })).toBeVisible();

  // Approve = an Invoice Response with AP.
  await page.getByRole('textbox', { name: /^Note/ }).fill('Matches order 17');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(page.getByText('Status saved.')).toBeVisible();
  await expect(page.getByText('Response: Accepted')).toBeVisible();
  await expect(page.getByText('Approved', { exact: true }).first()).toBeVisible();

  // A's outbox document shows the response and its history line.
  await page.getByRole('link', { name: 'Outbox', exact: true }).click();
  await page.getByRole('combobox', { name: 'Organization' }).click();
  await page.getByRole('option', { name: new RegExp(SELLER.name) }).click();
  const sent = page.getByRole('row').filter({ hasText: number });
  await expect(async () => {
    await page.reload();
    await expect(sent.getByText('Response: Accepted')).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(sent.getByText('Delivered')).toBeVisible();
  await sent.getByRole('link', { name: `Open invoice ${number}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: number })).toBeVisible();
  await expect(page.getByText('Response: Accepted')).toBeVisible();
  await expect(page.getByText('Response received', { exact: true })).toBeVisible();

  // The dashboard counts it: sent by A and received by B in the last 30 days.
  await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
  await expect(page.getByLabel('Sent: 1 documents')).toBeVisible();
  await expect(page.getByLabel('Received: 1 documents')).toBeVisible();
  await expect(page.getByRole('img', { name: 'Sent per day: 1 documents in total' })).toBeVisible();
});
