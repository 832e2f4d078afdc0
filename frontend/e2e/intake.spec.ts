import { expect, test } from './fixtures';
import { addAndActivate, invoiceXml, registerAdministrator, type Person } from './helpers';
import { waitForLink } from './mail';
import { INBOUND_EMAIL_SECRET, INTAKE_DOMAIN } from './server';

/**
 * Invoices by email: an Organization Administrator finds the intake addresses, trusts a
 * supplier's domain (its contact confirms from the emailed link), and a mail server hands
 * over a message; the intake log shows what became of it. Other specs use other companies;
 * this one uses Coöperatie Zuiderzon (receiving by email) and Zeewind as the buyer of its own
 * sales invoice, reached by email.
 */
test.use({ locale: 'en-US' });

const stamp = Date.now().toString(36);
const admin: Person = { name: 'Zora Zuiderzon', email: `zora-${stamp}@example.com`, password: 'correct horse battery staple' };
const COMPANY = {
  kvk: '90000105',
  name: 'Zuiderzon Energie',
  heading: 'Coöperatie Zuiderzon U.A.',
  contact: 'leden@zuiderzon.example',
};
const BUYER_KVK = '90000032';
const supplierDomain = `supplier-${stamp}.example`;
const supplierContact = `ap@${supplierDomain}`;

/** A message from `from` to `to` with one XML invoice attached. */
function message(from: string, to: string, subject: string, xml: Buffer): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="part"',
    '',
    '--part',
    'Content-Type: text/plain',
    '',
    'Invoice attached.',
    '--part',
    `Content-Type: application/xml; name="${subject}.xml"`,
    `Content-Disposition: attachment; filename="${subject}.xml"`,
    'Content-Transfer-Encoding: base64',
    '',
    xml.toString('base64'),
    '--part--',
    '',
  ].join('\r\n');
}

test('a mailed sales invoice is processed and logged; a supplier domain is trusted after its contact confirms', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  await registerAdministrator(page, admin);
  await addAndActivate(page, COMPANY);

  // Organization → Email intake: the two addresses, with copy buttons.
  await page.getByRole('tab', { name: 'Email intake' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Email intake of ${COMPANY.heading}` })).toBeVisible();
  const sales = `${COMPANY.kvk}.verkoop@${INTAKE_DOMAIN}`;
  await expect(page.getByText(`${COMPANY.kvk}.inkoop@${INTAKE_DOMAIN}`)).toBeVisible();
  await expect(page.getByRole('button', { name: `Copy ${sales}` })).toBeVisible();

  // A supplier's domain: added as a draft, invited, confirmed by its contact.
  // The segmented control's radios are visually hidden; its labels are what people click.
  await page.locator('label').filter({ hasText: /^Domain$/ }).click();
  await page.getByRole('textbox', { name: 'Domain' }).fill(supplierDomain);
  await page.getByRole('textbox', { name: /Contact email/ }).fill(supplierContact);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const row = page.getByRole('row').filter({ hasText: supplierDomain });
  await expect(row.getByText('Draft')).toBeVisible();
  await row.getByRole('button', { name: `Invite ${supplierDomain}` }).click();
  await expect(row.getByText('Invited')).toBeVisible();
  const link = await waitForLink(supplierContact, '/trusted-sender');
  const contactPage = await page.context().newPage();
  await contactPage.goto(link);
  await expect(contactPage.getByText(`Invoices mailed from ${supplierDomain} are processed from now on.`)).toBeVisible();
  await contactPage.close();
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: supplierDomain }).getByText('Active')).toBeVisible();

  // The administrator's own address is trusted: a mail server hands over their message.
  const number = `MAIL-${stamp}`;
  const raw = message(admin.email, sales, number, invoiceXml(number, COMPANY.kvk, BUYER_KVK, `buyer-${stamp}@example.com`));
  const response = await request.post('/api/v1/inbound-email', {
    headers: { Authorization: `Bearer ${INBOUND_EMAIL_SECRET}`, 'Content-Type': 'message/rfc822' },
    data: Buffer.from(raw, 'utf8'),
  });
  expect(response.status()).toBe(202);

  // The intake log shows it processed; its detail says it became a document.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('row').filter({ hasText: number }).getByText('Processed')).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await page.getByRole('button', { name: number }).click();
  const dialog = page.getByRole('dialog', { name: number });
  await expect(dialog.getByText('Processed into a document')).toBeVisible();
});
