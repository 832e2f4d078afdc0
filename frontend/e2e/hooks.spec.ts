import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect, test } from './fixtures';
import { addAndActivate, invoiceXml, registerAdministrator, sendOnSendPage, type Person } from './helpers';
import { outboxDir, readOutbox, waitForText } from './mail';

/**
 * Webhooks in the web app: an Organization Administrator creates a hook for the party, copies
 * its secret, sends a test event (ping) and sees the delivery in the log; the receiver (a
 * small server this spec starts on 127.0.0.1) got it signed with that secret. Then a mail hook
 * of the same party: its test event and the event of an invoice sent from the Send page arrive
 * as emails, the invoice converted to CII. Other specs use other companies; this one uses Van
 * der Molen Advocaten (the invoice's buyer, Molenaar & Zonen, is never activated).
 */
test.use({ locale: 'en-US' });

const stamp = Date.now().toString(36);
const admin: Person = { name: 'Maarten van der Molen', email: `maarten-${stamp}@example.com`, password: 'correct horse battery staple' };
const COMPANY = {
  kvk: '90000059',
  name: 'Van der Molen Advocaten',
  heading: 'Van der Molen Advocaten',
  contact: 'kantoor@vandermolen-advocaten.example',
};

interface Got {
  headers: IncomingHttpHeaders;
  body: string;
}

test('a webhook made in the web app is pinged and the delivery shows in its log', async ({ page }) => {
  test.setTimeout(180_000);
  const got: Got[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      got.push({ headers: request.headers, body });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.1:${String((receiver.address() as AddressInfo).port)}/events`;
  try {
    await registerAdministrator(page, admin);
    await addAndActivate(page, COMPANY);

    // Organization → Webhooks → a new hook.
    await page.getByRole('tab', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { level: 1, name: `Webhooks of ${COMPANY.heading}` })).toBeVisible();
    await expect(page.getByText('No webhooks yet.')).toBeVisible();
    await page.getByRole('button', { name: 'New webhook' }).click();
    const form = page.getByRole('dialog', { name: 'New webhook' });
    await form.getByRole('textbox', { name: /Target URL/ }).fill(target);
    await form.getByRole('textbox', { name: 'Description' }).fill('Bookkeeping');
    await form.getByRole('button', { name: 'Save' }).click();

    // The secret, shown once.
    const dialog = page.getByRole('dialog', { name: "The webhook's signing secret" });
    await expect(dialog.getByRole('alert')).toContainText('shown only this once');
    const secret = (await dialog.getByTestId('hook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByText(secret)).toHaveCount(0);

    // Test it: the log shows the delivery.
    await page.getByRole('button', { name: `Send a test event to ${target}` }).click();
    const log = page.getByRole('table', { name: `Delivery log of ${target}` });
    await expect(log.getByRole('row').filter({ hasText: 'Ping' })).toContainText('Delivered', { timeout: 20_000 });
    await expect(log.getByRole('row').filter({ hasText: 'Ping' })).toContainText('200');

    // The receiver got it, signed with the secret.
    expect(got).toHaveLength(1);
    const [ping] = got;
    if (ping === undefined) throw new Error('no request');
    const expected = `sha256=${createHmac('sha256', secret).update(ping.body).digest('hex')}`;
    expect(ping.headers['x-signature']).toBe(expected);
    expect((JSON.parse(ping.body) as { topic: string }).topic).toBe('Ping');

    // A mail hook with the documents converted to CII.
    const books = `boeken-${stamp}@vandermolen-administratie.example`;
    const mailTarget = `mailto:${books}?format=cii`;
    await page.getByRole('button', { name: 'New webhook' }).click();
    const mailForm = page.getByRole('dialog', { name: 'New webhook' });
    await mailForm.getByRole('radio', { name: 'Email' }).click();
    await mailForm.getByRole('textbox', { name: /Email address/ }).fill(books);
    await mailForm.getByRole('radio', { name: 'Converted to CII' }).click();
    await mailForm.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog', { name: "The webhook's signing secret" }).getByRole('button', { name: 'Done' }).click();

    // Its test event is an email, logged as delivered.
    await page.getByRole('button', { name: `Send a test event to ${mailTarget}` }).click();
    const mailLog = page.getByRole('table', { name: `Delivery log of ${mailTarget}` });
    await expect(mailLog.getByRole('row').filter({ hasText: 'Ping' })).toContainText('Delivered', { timeout: 20_000 });
    await waitForText(books, /Ping/, 20_000);
    const raw = async (subject: RegExp) => {
      const mail = (await readOutbox()).find((m) => m.to === books && subject.test(m.subject));
      if (mail === undefined) throw new Error(`no mail to ${books} with a subject like ${String(subject)}`);
      return readFile(join(outboxDir(), mail.file), 'utf8');
    };
    const pingMail = await raw(/Ping/);
    expect(pingMail).toMatch(/^X-Haven-Topic: Ping\r?$/m);
    expect(pingMail).toMatch(/^Auto-Submitted: auto-generated\r?$/m);

    // An invoice sent from the Send page reaches the mailbox as CII.
    const number = `HOOK-${stamp}`;
    await sendOnSendPage(page, number, invoiceXml(number, COMPANY.kvk, '90000164', `inkoop-${stamp}@molenaar-bouw.example`));
    await waitForText(books, new RegExp(number), 60_000);
    const invoiceMail = await raw(new RegExp(number));
    expect(invoiceMail).toMatch(/^X-Haven-Topic: Invoice\w+\r?$/m);
    expect(invoiceMail).toContain(`${number}-cii.xml`);
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }
});
