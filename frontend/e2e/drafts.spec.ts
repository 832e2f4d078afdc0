import { expect, test } from './fixtures';
import { addAndActivate, registerAdministrator, type Person } from './helpers';
import { INBOUND_EMAIL_SECRET, INTAKE_DOMAIN } from './server';

/**
 * A PDF with text only, mailed by a trusted user to the organization's sales address, becomes
 * a draft; the user finds it on the Email intake page, fills in the buyer next to the PDF and
 * completes it, and the invoice is sent: it is in the outbox. Other specs use other
 * companies; this one uses Tulpenveld Groenvoorziening, selling to Bakkerij De Gouden Korenaar.
 */
test.use({ locale: 'en-US' });

const stamp = Date.now().toString(36);
const admin: Person = { name: 'Gijs Groen', email: `gijs-${stamp}@example.com`, password: 'correct horse battery staple' };
const COMPANY = {
  kvk: '90000156',
  name: 'Tulpenveld Groenvoorziening',
  heading: 'Tulpenveld Groenvoorziening B.V.',
  contact: 'groen@tulpenveld-groen.example',
};
const BUYER = {
  Name: 'Bakkerij De Gouden Korenaar',
  'KvK number': '90000024',
  'Street and number': 'Bakkersgang 7',
  'Postal code': '1011 AB',
  City: 'Amsterdam',
  'Country code': 'NL',
};

/** A one-page PDF (Helvetica, WinAnsi) with each text at its position, as a plain invoice program writes it. */
function textPdf(items: [number, number, string][]): Buffer {
  const escape = (text: string) =>
    text.replaceAll('\\', '\\\\').replaceAll('(', '\\(').replaceAll(')', '\\)').replaceAll('€', '\x80');
  const content = items.map(([x, y, text]) => `BT /F1 10 Tf ${String(x)} ${String(y)} Td (${escape(text)}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >> >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${String(Buffer.byteLength(content, 'latin1'))} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${String(index + 1)} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${String(objects.length + 1)}\n0000000000 65535 f \n`;
  out += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${String(objects.length + 1)} /Root 1 0 R >>\nstartxref\n${String(xref)}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A message from `from` to `to` with the PDF attached. */
function message(from: string, to: string, subject: string, pdf: Buffer): string {
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
    `Content-Type: application/pdf; name="${subject}.pdf"`,
    `Content-Disposition: attachment; filename="${subject}.pdf"`,
    'Content-Transfer-Encoding: base64',
    '',
    pdf.toString('base64'),
    '--part--',
    '',
  ].join('\r\n');
}

test('a mailed text PDF becomes a draft that the user completes and sends', async ({ page, request }) => {
  test.setTimeout(180_000);
  await registerAdministrator(page, admin);
  await addAndActivate(page, COMPANY);

  // The administrator's own (verified) address is trusted: their mail server hands the message over.
  // The recogniser takes the first token with a digit as the number; the stamp alone may have none.
  const number = `GR-2026-${stamp}`;
  const pdf = textPdf([
    [50, 790, COMPANY.heading],
    [50, 776, 'Kwekerijweg 3, 3532 HK Utrecht'],
    [50, 762, `KvK: ${COMPANY.kvk}   IBAN: NL91 ABNA 0417 1643 00`],
    [50, 748, 'BTW-nummer: NL001234567B01'],
    [50, 700, 'FACTUUR'],
    [330, 670, `Factuurnummer: ${number}`],
    [330, 656, 'Factuurdatum: 04-12-2026'],
    [330, 642, 'Vervaldatum: 03-01-2027'],
    [330, 628, 'Uw referentie: BESTELLING-118'],
    [50, 560, 'Snoeien en onderhoud tuin'],
    [450, 560, '€ 400,00'],
    [330, 520, 'Subtotaal'],
    [450, 520, '€ 400,00'],
    [330, 504, 'BTW 21% over € 400,00'],
    [450, 504, '€ 84,00'],
    [330, 488, 'Totaal te betalen'],
    [450, 488, '€ 484,00'],
  ]);
  const sales = `${COMPANY.kvk}.verkoop@${INTAKE_DOMAIN}`;
  const response = await request.post('/api/v1/inbound-email', {
    headers: { Authorization: `Bearer ${INBOUND_EMAIL_SECRET}`, 'Content-Type': 'message/rfc822' },
    data: Buffer.from(message(admin.email, sales, number, pdf), 'utf8'),
  });
  expect(response.status()).toBe(202);

  // The draft appears among the drafts to check, with the recognised number.
  await page.getByRole('tab', { name: 'Email intake' }).click();
  const draftLink = page.getByRole('link', { name: `Open ${number}.pdf` });
  await expect(async () => {
    await page.reload();
    await expect(draftLink).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole('row').filter({ hasText: `${number}.pdf` }).getByText(number, { exact: true })).toBeVisible();
  await draftLink.click();

  // The PDF beside the fields; the recognised values are filled in.
  await expect(page.getByRole('heading', { level: 1, name: `Draft from ${number}.pdf` })).toBeVisible();
  await expect(page.getByTitle('The PDF as mailed')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Invoice number' })).toHaveValue(number);
  await expect(page.getByRole('textbox', { name: 'Issue date' })).toHaveValue('2026-12-04');
  await expect(page.getByRole('textbox', { name: 'Amount due' })).toHaveValue('484.00');
  await expect(page.getByRole('textbox', { name: 'Buyer reference' })).toHaveValue('BESTELLING-118');

  // A sales draft needs its buyer: without one, completing names what is missing.
  for (const name of ['Name', 'KvK number', 'VAT number', 'Street and number', 'Postal code', 'City', 'Country code']) {
    await page.getByRole('textbox', { name, exact: true }).fill('');
  }
  await page.getByRole('button', { name: 'Complete and send' }).click();
  await expect(page.getByText('Draft completed.')).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveAttribute('aria-invalid', 'true');

  // The user fills in the buyer and completes it.
  for (const [name, value] of Object.entries(BUYER)) {
    await page.getByRole('textbox', { name, exact: true }).fill(value);
  }
  await page.getByRole('button', { name: 'Complete and send' }).click();
  await expect(page.getByText('Draft completed.')).toBeVisible();
  await expect(page.getByText('This draft is completed.')).toBeVisible();

  // Sent: the invoice is in the outbox.
  await page.getByRole('link', { name: 'Outbox', exact: true }).click();
  await expect(page.getByRole('row').filter({ hasText: number })).toBeVisible();
});
