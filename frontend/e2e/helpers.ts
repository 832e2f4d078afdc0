import type { Browser, Page } from '@playwright/test';

import { expect } from './fixtures';
import { waitForLink } from './mail';

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
