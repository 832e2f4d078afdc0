import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Browser, Page } from '@playwright/test';

import { expect } from './fixtures';
import { waitForLink, waitForText } from './mail';

/** Shared steps of the e2e flows (the accounts flow of the issue, and what builds on it). */
export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeVisible();
}

export interface Person {
  name: string;
  email: string;
  password: string;
}

/** Registers a new environment's first user, confirms the address and answers "Not now" to receiving. */
export async function registerAdministrator(page: Page, person: Person) {
  await page.goto('/register');
  await page.getByLabel('Your name').fill(person.name);
  await page.getByLabel('Email address').fill(person.email);
  await page.locator('input[name="password"]').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Check your email')).toBeVisible();
  await page.goto(await waitForLink(person.email, '/verify-email'));
  const receiving = page.getByRole('dialog', { name: 'Do you want to receive e-invoices?' });
  await receiving.getByRole('button', { name: 'Not now' }).click();
  await expect(receiving).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
}

/** The Administrator on `page` invites `person`, who accepts in a browser context of their own. */
export async function inviteAndAccept(page: Page, browser: Browser, baseURL: string, person: Person) {
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'Invite user' }).click();
  const invite = page.getByRole('dialog', { name: 'Invite a user' });
  await invite.getByLabel('Email address').fill(person.email);
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  await expect(invite).toBeHidden();
  const link = await waitForLink(person.email, '/invitation');
  const context = await browser.newContext({ baseURL, locale: 'en-US' });
  try {
    const other = await context.newPage();
    await other.goto(link);
    await other.getByLabel('Your name').fill(person.name);
    await other.locator('input[name="password"]').fill(person.password);
    await other.getByRole('button', { name: 'Accept invitation' }).click();
    await expect(other.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  } finally {
    await context.close();
  }
}

export interface RegisterCompany {
  kvk: string;
  /** The name on the register's search hit ("Select <name>"). */
  name: string;
  /** The organization page's heading (the statutory name). */
  heading: string;
  /** The register's contact address, where the activation code goes. */
  contact: string;
}

/** Adds an organization from the (offline) business register and activates it by the emailed code. */
export async function addAndActivate(page: Page, company: RegisterCompany) {
  await page.getByRole('link', { name: 'Organizations', exact: true }).click();
  await page.getByRole('link', { name: 'Add organization' }).click();
  await page.getByRole('textbox', { name: /KvK number/ }).fill(company.kvk);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: new RegExp(`^Select ${company.name}`) }).first().click();
  await expect(page.getByRole('textbox', { name: /KvK number/ })).not.toBeEmpty();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Save organization' }).click();
  await expect(page.getByRole('heading', { level: 1, name: company.heading })).toBeVisible();
  await page.getByRole('tab', { name: 'Activation' }).click();
  await page.getByRole('button', { name: 'Request activation' }).click();
  const [, code] = await waitForText(company.contact, /Activation code: (\d{6})/);
  await page.getByRole('textbox', { name: 'Activation code' }).fill(code ?? '');
  await page.getByRole('button', { name: 'Activate', exact: true }).click();
  await expect(page.getByText('The organization is active', { exact: false })).toBeVisible();
}

/**
 * The repository's valid Peppol BIS 3 fixture with its own number, seller and buyer KvK
 * numbers, and optionally the buyer's contact email (BT-58), where an emailed invoice goes.
 */
export function invoiceXml(number: string, sellerKvk: string, buyerKvk: string, buyerEmail?: string): Buffer {
  const fixture = resolve(dirname(fileURLToPath(import.meta.url)), '../../crates/einvoice/tests/fixtures/peppol-minimal.xml');
  let xml = readFileSync(fixture, 'utf8')
    .replaceAll('HAVEN-0001', number)
    .replaceAll('12345678', sellerKvk)
    .replaceAll('87654321', buyerKvk);
  if (buyerEmail !== undefined) {
    // Contact follows PartyLegalEntity in the buyer's Party (the second PartyLegalEntity).
    const buyer = xml.indexOf('<cac:AccountingCustomerParty>');
    const end = xml.indexOf('</cac:PartyLegalEntity>', buyer) + '</cac:PartyLegalEntity>'.length;
    xml = `${xml.slice(0, end)}<cac:Contact><cbc:ElectronicMail>${buyerEmail}</cbc:ElectronicMail></cac:Contact>${xml.slice(end)}`;
  }
  return Buffer.from(xml, 'utf8');
}

/** Chooses the file on the Send page, waits for "valid", sends, and waits for the acceptance. */
export async function sendOnSendPage(page: Page, number: string, xml: Buffer, from?: string) {
  await page.getByRole('link', { name: 'Send invoice', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Send an invoice' })).toBeVisible();
  if (from !== undefined) {
    await page.getByRole('combobox', { name: 'Send as' }).click();
    await page.getByRole('option', { name: new RegExp(from) }).click();
  }
  await page.locator('input[type="file"]').setInputFiles({ name: `${number}.xml`, mimeType: 'application/xml', buffer: xml });
  await expect(page.getByText('The invoice is valid.', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByText('The invoice was accepted for delivery.')).toBeVisible();
}
