import { expect, test } from './fixtures';
import { addAndActivate, invoiceXml, registerAdministrator, type Person } from './helpers';
import { waitForLink } from './mail';

/**
 * Accountants acting for their clients, the flow: an accountant's environment sends an
 * authorisation request; the client, new to Haven, registers from the emailed link, adds its
 * organization and accepts; the client gives the accountant access; the accountant accepts it
 * and creates a connection key for the client's organization; a script with that key sends an
 * invoice for the client; the client ends the partnership, and the key is refused at once.
 * The client's company is Roeivereniging Rijnoever, which no other spec uses.
 */
test.use({ locale: 'en-US' });

const stamp = Date.now().toString(36);
const accountant: Person = {
  name: 'Anna Accountant',
  email: `anna-${stamp}@accountants.example`,
  password: 'correct horse battery staple',
};
const client: Person = { name: 'Carl Client', email: `carl-${stamp}@rijnoever.example`, password: 'correct horse battery staple' };
const COMPANY = {
  kvk: '90000148',
  name: 'Roeivereniging Rijnoever',
  heading: 'Roeivereniging Rijnoever',
  contact: 'penningmeester@rijnoever-roeien.example',
};
const BUYER_KVK = '90000040';

test('an accountant works for a client through a partnership until the client ends it', async ({
  page,
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(240_000);
  // The accountant's environment asks for authorisation.
  await registerAdministrator(page, accountant);
  await page.getByRole('link', { name: 'Partners' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Partners' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Client name' }).fill(client.name);
  await page.getByRole('textbox', { name: 'Client email' }).fill(client.email);
  await page.getByRole('textbox', { name: 'Software package' }).fill('Moneybird');
  await page.getByRole('textbox', { name: 'KvK number' }).fill(COMPANY.kvk);
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect(page.getByText(`Request sent to ${client.email}.`)).toBeVisible();
  const sent = page.getByRole('table', { name: 'Requests sent' });
  await expect(sent.getByRole('row').filter({ hasText: client.name })).toContainText('Pending');

  // The client, new to Haven, opens the link in a browser of their own and registers first.
  const link = await waitForLink(client.email, '/partners');
  const context = await browser.newContext({ baseURL, locale: 'en-US' });
  const other = await context.newPage();
  try {
    await other.goto(link);
    await expect(other.getByText('Sign in to answer the authorisation request.', { exact: false })).toBeVisible();
    await other.getByRole('link', { name: 'Create an account' }).click();
    await other.getByLabel('Your name').fill(client.name);
    await other.getByLabel('Email address').fill(client.email);
    await other.locator('input[name="password"]').fill(client.password);
    await other.getByRole('button', { name: 'Create account' }).click();
    await expect(other.getByText('Check your email')).toBeVisible();
    await other.goto(await waitForLink(client.email, '/verify-email'));
    const receiving = other.getByRole('dialog', { name: 'Do you want to receive e-invoices?' });
    await receiving.getByRole('button', { name: 'Not now' }).click();
    // Back at the request, which says who asks for what.
    const ask = other.getByRole('alert').filter({ hasText: 'Authorisation request from' });
    await expect(ask).toContainText(`${accountant.name} of`);
    await expect(ask).toContainText(COMPANY.kvk);
    await expect(ask).toContainText('Moneybird');
    // Accepting needs the organization: the page says so and links there.
    await ask.getByRole('button', { name: 'Accept' }).click();
    await expect(ask.getByText('Add the organization with this KvK number to your environment first')).toBeVisible();
    await addAndActivate(other, COMPANY);
    await other.getByRole('link', { name: 'Partners' }).click();
    const received = other.getByRole('table', { name: 'Requests received' });
    await received.getByRole('button', { name: 'Accept' }).click();
    await expect(other.getByText(`Accepted: you now have a partnership for ${COMPANY.heading}.`, { exact: false })).toBeVisible();
    const partnerships = other.getByRole('table', { name: 'Partnerships' });
    await expect(partnerships.getByRole('row').filter({ hasText: COMPANY.heading })).toContainText('Active');

    // The client gives the accountant Organization Administrator access.
    await other.getByRole('link', { name: 'Organizations', exact: true }).click();
    await other.getByRole('link', { name: COMPANY.heading }).first().click();
    await other.getByRole('tab', { name: 'Members' }).click();
    await other.getByRole('textbox', { name: "Partner user's email" }).fill(accountant.email);
    await other.getByRole('combobox', { name: 'Access' }).click();
    await other.getByRole('option', { name: 'Organization Administrator' }).click();
    await other.getByRole('button', { name: 'Offer access' }).click();
    await expect(other.getByText(`Access offered to ${accountant.email}`, { exact: false })).toBeVisible();
    const access = other.getByRole('table', { name: 'Partner access' });
    await expect(access.getByRole('row').filter({ hasText: accountant.email })).toContainText('Offered');

    // The accountant accepts and creates a connection key for the client's organization.
    await page.reload();
    await page.getByRole('button', { name: `Accept access to ${COMPANY.heading}` }).click();
    await expect(page.getByText(`You now have access to ${COMPANY.heading}.`)).toBeVisible();
    await page.getByRole('table', { name: 'Access clients gave you' }).getByRole('link', { name: COMPANY.heading }).click();
    await expect(page.getByRole('heading', { level: 1, name: COMPANY.heading })).toBeVisible();
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('combobox', { name: 'Software' }).click();
    await page.getByRole('option', { name: 'Moneybird' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Client books');
    await page.getByRole('button', { name: 'Create connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connection key for Client books' });
    const clientId = (await dialog.getByTestId('Client id').textContent()) ?? '';
    const secret = (await dialog.getByTestId('Secret').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'I have stored the secret' }).click();

    // The accounting software sends an invoice for the client with that key.
    const tokenResponse = await request.post('/connect/token', {
      form: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
    });
    expect(tokenResponse.status()).toBe(200);
    const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
    const send = (number: string) =>
      request.post(`/api/v1/parties/0106:${COMPANY.kvk}/sales-invoices`, {
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/xml' },
        data: invoiceXml(number, COMPANY.kvk, BUYER_KVK, `leden-${stamp}@groenegrachten.example`),
      });
    expect((await send(`PART-${stamp}-1`)).status()).toBe(202);

    // The client ends the partnership: the key is refused on its next request.
    await other.getByRole('link', { name: 'Partners' }).click();
    await other.getByRole('button', { name: `End the partnership for ${COMPANY.heading}` }).click();
    await expect(other.getByText('Partnership ended', { exact: false })).toBeVisible();
    const refused = await send(`PART-${stamp}-2`);
    expect(refused.status()).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('connection_invalid');
    const again = await request.post('/connect/token', {
      form: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
    });
    expect(again.status()).toBe(401);
    // And the accountant no longer reaches the organization.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: COMPANY.heading })).toBeHidden();
  } finally {
    await context.close();
  }
});
