import type { Page } from '@playwright/test';

import { expect, test } from './fixtures';
import { inviteAndAccept, registerAdministrator, signIn, signOut, type Person } from './helpers';
import { waitForText } from './mail';
import { OPERATOR_EMAIL } from './server';

/**
 * The organizations flow of the issue, against the real server and its offline business
 * register: an Administrator adds an organization from the register, activates it with the
 * code emailed to the register's contact address, and gives a colleague access; the colleague
 * sees it, another user of the same environment does not. And a platform operator reviews
 * an activation request.
 */
test.use({ locale: 'en-US' });
test.describe.configure({ mode: 'serial' });

const stamp = Date.now().toString(36);
const password = 'correct horse battery staple';
const admin: Person = { name: 'Olga Owner', email: `olga-${stamp}@example.com`, password };
const colleague: Person = { name: 'Bram Boekhouder', email: `bram-${stamp}@example.com`, password };
const outsider: Person = { name: 'Carla Collega', email: `carla-${stamp}@example.com`, password };
const operator: Person = { name: 'Otto Operator', email: OPERATOR_EMAIL, password };

/** "Add organization" from the register, by KvK number or by name and place. */
async function addFromRegister(page: Page, search: { kvk: string } | { name: string; place: string }, hit: string | RegExp) {
  await page.getByRole('link', { name: 'Organizations', exact: true }).click();
  await page.getByRole('link', { name: 'Add organization' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Add organization' })).toBeVisible();
  if ('kvk' in search) {
    await page.getByRole('textbox', { name: /KvK number/ }).fill(search.kvk);
  } else {
    await page.getByText('Name and place', { exact: true }).click();
    await page.getByRole('textbox', { name: /^Name/ }).fill(search.name);
    await page.getByRole('textbox', { name: /^Place/ }).fill(search.place);
  }
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: hit }).first().click();
  // Review: prefilled from the register.
  await expect(page.getByRole('textbox', { name: /KvK number/ })).not.toBeEmpty();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Save organization' }).click();
}

test('add an organization from the register, activate it by code and give a colleague access', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const base = baseURL ?? '';

  await registerAdministrator(page, admin);
  await inviteAndAccept(page, browser, base, colleague);
  await inviteAndAccept(page, browser, base, outsider);

  // Add Tulpenveld from the (offline) business register.
  await addFromRegister(page, { kvk: '90000016' }, 'Select Tulpenveld Installatietechniek');
  await expect(page.getByRole('heading', { level: 1, name: 'Tulpenveld Installatietechniek B.V.' })).toBeVisible();
  await expect(page.getByText('Vleutenseweg 214, 3532HK Utrecht')).toBeVisible();

  // Identifiers: the KvK number's participant id, switches off until the organization is active.
  await page.getByRole('tab', { name: 'Identifiers' }).click();
  await expect(page.getByText('0106:90000016')).toBeVisible();
  await expect(page.getByRole('switch', { name: 'Send with 0106:90000016' })).toBeDisabled();

  // Activate with the code emailed to the register's contact address.
  await page.getByRole('tab', { name: 'Activation' }).click();
  await expect(page.getByRole('radio', { name: /Code to the register's email address/ })).toBeChecked();
  await page.getByRole('button', { name: 'Request activation' }).click();
  const [, code] = await waitForText('facturen@tulpenveld-installatie.example', /Activation code: (\d{6})/);
  await page.getByRole('textbox', { name: 'Activation code' }).fill(code ?? '');
  await page.getByRole('button', { name: 'Activate', exact: true }).click();
  await expect(page.getByText('The organization is active', { exact: false })).toBeVisible();
  const history = page.getByLabel('Status history');
  await expect(history.getByText('Activation code sent')).toBeVisible();
  await expect(history.getByText('Activated', { exact: true })).toBeVisible();

  // Now the organization sends.
  await page.getByRole('tab', { name: 'Identifiers' }).click();
  await expect(page.getByText('Registered', { exact: true })).toBeVisible();
  const send = page.getByRole('switch', { name: 'Send with 0106:90000016' });
  // Activation registers the participant id with sending switched on.
  await expect(send).toBeEnabled();
  await expect(send).toBeChecked();

  // Give the colleague access as Member.
  await page.getByRole('tab', { name: 'Members' }).click();
  await page.getByRole('combobox', { name: 'User' }).fill('Bram');
  await page.getByRole('option', { name: new RegExp(colleague.email) }).click();
  await page.getByRole('button', { name: 'Add member' }).click();
  const row = page.getByRole('row').filter({ hasText: colleague.email });
  await expect(row.getByLabel(`Role of ${colleague.name}`)).toHaveValue('Member');
  const organizationUrl = page.url();

  // The colleague sees the organization, as Member.
  const colleagueContext = await browser.newContext({ baseURL: base, locale: 'en-US' });
  try {
    const other = await colleagueContext.newPage();
    await signIn(other, colleague.email, colleague.password);
    await other.getByRole('link', { name: 'Organizations', exact: true }).click();
    const orgRow = other.getByRole('row').filter({ hasText: 'Tulpenveld Installatietechniek B.V.' });
    await expect(orgRow.getByText('Active')).toBeVisible();
    await expect(orgRow.getByText('Member')).toBeVisible();
    await expect(other.getByRole('link', { name: 'Add organization' })).toHaveCount(0);
    await signOut(other);
  } finally {
    await colleagueContext.close();
  }

  // Another user of the same environment does not.
  const outsiderContext = await browser.newContext({ baseURL: base, locale: 'en-US' });
  try {
    const other = await outsiderContext.newPage();
    await signIn(other, outsider.email, outsider.password);
    await other.getByRole('link', { name: 'Organizations', exact: true }).click();
    await expect(other.getByText('You do not have access to an organization yet.', { exact: false })).toBeVisible();
    await expect(other.getByText('Tulpenveld Installatietechniek B.V.')).toHaveCount(0);
    await other.goto(organizationUrl);
    await expect(other.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  } finally {
    await outsiderContext.close();
  }
});

test('a platform operator reviews activation requests', async ({ page }) => {
  test.setTimeout(120_000);
  await registerAdministrator(page, operator);

  await addFromRegister(page, { name: 'Zeewind', place: 'Rotterdam' }, /^Select Zeewind Logistiek/);
  await expect(page.getByRole('heading', { level: 1, name: 'Zeewind Logistiek B.V.' })).toBeVisible();
  const organizationUrl = page.url();
  await page.getByRole('tab', { name: 'Activation' }).click();
  await page.getByRole('radio', { name: /Review by Haven/ }).check({ force: true });
  await page.getByRole('button', { name: 'Request activation' }).click();
  await expect(page.getByText('A Haven operator reviews the activation request.', { exact: false })).toBeVisible();

  // The queue shows what was entered next to the register; a rejection needs a reason.
  await page.getByRole('link', { name: 'Activation reviews' }).click();
  const request = page.getByRole('article', { name: 'Zeewind Logistiek B.V.' });
  await expect(request.getByRole('columnheader', { name: 'Business register' })).toBeVisible();
  await expect(request.getByRole('row', { name: /Statutory name/ })).toContainText('Zeewind Logistiek B.V.');
  await request.getByRole('button', { name: 'Reject' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Reject' }).click();
  await expect(dialog.getByText('Say why, so the organization knows what to fix.')).toBeVisible();
  await dialog.getByRole('textbox', { name: /Reason/ }).fill('The contact person is not known at this company.');
  await dialog.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByText('No activation requests are waiting.')).toBeVisible();

  // The organization sees why, asks again, and is approved.
  await page.goto(organizationUrl);
  await page.getByRole('tab', { name: 'Activation' }).click();
  await expect(page.getByText('The contact person is not known at this company.')).toBeVisible();
  await page.getByRole('radio', { name: /Review by Haven/ }).check({ force: true });
  await page.getByRole('button', { name: 'Request activation' }).click();
  await expect(page.getByText('A Haven operator reviews the activation request.', { exact: false })).toBeVisible();
  await page.getByRole('link', { name: 'Activation reviews' }).click();
  await page.getByRole('article', { name: 'Zeewind Logistiek B.V.' }).getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByText('No activation requests are waiting.')).toBeVisible();
  await page.goto(organizationUrl);
  await expect(page.getByText('Active', { exact: true }).first()).toBeVisible();
});

test('the review queue does not exist for other users', async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Organizations', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Activation reviews' })).toHaveCount(0);
  await page.goto('/operator');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
});
