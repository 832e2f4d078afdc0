import { readFile } from 'node:fs/promises';

import { expect, test } from './fixtures';
import { addAndActivate, invoiceXml, registerAdministrator, sendOnSendPage, type Person } from './helpers';
import { waitForLink } from './mail';

/**
 * Sending to a buyer that is not on this installation (and with Peppol not configured) goes
 * out by email to the buyer's contact address (BT-58): the mail's private link opens the public
 * invoice page, which shows the invoice and offers its downloads. The seller is Duinzicht, the
 * buyer Molenaar & Zonen (neither is used by another spec; the buyer is never activated).
 */
test.use({ locale: 'en-US' });

const stamp = Date.now().toString(36);
const admin: Person = { name: 'Daan Duin', email: `daan-${stamp}@example.com`, password: 'correct horse battery staple' };
const SELLER = {
  kvk: '90000091',
  name: 'Duinzicht Schoonmaakdiensten',
  heading: 'Duinzicht Schoonmaakdiensten B.V.',
  contact: 'planning@duinzicht-schoonmaak.example',
};
const BUYER_KVK = '90000164';
const BUYER_EMAIL = `inkoop-${stamp}@molenaar-bouw.example`;

test('an invoice to a buyer elsewhere goes by email; its link shows the invoice', async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000);
  await registerAdministrator(page, admin);
  await addAndActivate(page, SELLER);

  const number = `MAIL-${stamp}`;
  await sendOnSendPage(page, number, invoiceXml(number, SELLER.kvk, BUYER_KVK, BUYER_EMAIL));

  // The delivery job mails the buyer's contact address a private link.
  const link = await waitForLink(BUYER_EMAIL, '/shared-invoice', 60_000);
  expect(new URL(link).searchParams.get('token')).toBeTruthy();

  // The outbox says it went by email.
  await page.getByRole('link', { name: 'Outbox', exact: true }).click();
  const row = page.getByRole('row').filter({ hasText: number });
  await expect(row.getByText('Email')).toBeVisible();

  // The buyer opens the link without an account.
  const context = await browser.newContext({ baseURL, locale: 'en-US', acceptDownloads: true });
  try {
    const buyer = await context.newPage();
    await buyer.goto(link);
    await expect(buyer.getByText(number).first()).toBeVisible();
    await expect(buyer.getByText('Haven Leverancier BV').first()).toBeVisible();
    // Both downloads arrive as files: the XML is this invoice, the PDF is a PDF.
    const downloads = [
      { button: 'Download XML', file: `${number}.xml`, starts: '<?xml', contains: number },
      { button: 'Download PDF', file: `${number}.pdf`, starts: '%PDF-', contains: '%PDF-' },
    ];
    for (const expected of downloads) {
      const download = buyer.waitForEvent('download');
      await buyer.getByRole('button', { name: expected.button }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe(expected.file);
      const bytes = await readFile(await file.path());
      expect(bytes.subarray(0, expected.starts.length).toString('latin1')).toBe(expected.starts);
      expect(bytes.toString('latin1')).toContain(expected.contains);
    }
  } finally {
    await context.close();
  }
});
