import { expect, test } from './fixtures';
import { signIn, signOut } from './helpers';
import { waitForLink } from './mail';
import { totp } from './totp';

/**
 * The accounts flow of the issue, against the real server: register → confirm the address
 * from the emailed link → sign in → decide about receiving → invite a colleague → the
 * colleague accepts and signs in → the Administrator changes the colleague's role → the
 * Administrator turns on 2FA and signs in with a code.
 */
test.use({ locale: 'en-US' });
test.describe.configure({ mode: 'serial' });

const stamp = Date.now().toString(36);
const admin = { name: 'Ann Admin', email: `ann-${stamp}@example.com`, password: 'correct horse battery staple' };
const colleague = { name: 'Bob Colleague', email: `bob-${stamp}@example.com`, password: 'another long passphrase 42' };

test('register, invite a colleague, change their role, and sign in with two-factor authentication', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);

  // Register.
  await page.goto('/register');
  await page.getByLabel('Your name').fill(admin.name);
  await page.getByLabel('Email address').fill(admin.email);
  await page.locator('input[name="password"]').fill(admin.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Check your email')).toBeVisible();

  // The verification link from the outbox confirms the address and signs in.
  const verifyLink = await waitForLink(admin.email, '/verify-email');
  expect(new URL(verifyLink).origin).toBe(new URL(baseURL ?? '').origin);
  await page.goto(verifyLink);
  const receiving = page.getByRole('dialog', { name: 'Do you want to receive e-invoices?' });
  await expect(receiving).toBeVisible();
  // "Not now" only dismisses it for this sign-in.
  await receiving.getByRole('button', { name: 'Not now' }).click();
  await expect(receiving).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await signOut(page);

  // Sign in with the password; the receiving question comes back. Enabling needs the acknowledgement.
  await signIn(page, admin.email, admin.password);
  await expect(receiving).toBeVisible();
  const enable = receiving.getByRole('button', { name: 'Yes, receive e-invoices' });
  await expect(enable).toBeDisabled();
  await receiving.getByRole('checkbox').check();
  await enable.click();
  await expect(receiving).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // Invite a colleague.
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await page.getByRole('button', { name: 'Invite user' }).click();
  const invite = page.getByRole('dialog', { name: 'Invite a user' });
  await invite.getByLabel('Email address').fill(colleague.email);
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  await expect(invite).toBeHidden();
  const colleagueRow = page.getByRole('row').filter({ hasText: colleague.email });
  await expect(colleagueRow.getByText('Invited')).toBeVisible();

  // The colleague accepts the invitation (in their own browser) and signs in.
  const invitationLink = await waitForLink(colleague.email, '/invitation');
  const context = await browser.newContext({ baseURL: baseURL ?? '', locale: 'en-US' });
  try {
    const other = await context.newPage();
    await other.goto(invitationLink);
    await expect(other.getByRole('heading', { level: 1, name: /^Join / })).toBeVisible();
    await other.getByLabel('Your name').fill(colleague.name);
    await other.locator('input[name="password"]').fill(colleague.password);
    await other.getByRole('button', { name: 'Accept invitation' }).click();
    await expect(other.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    // A Basic user sees no administration pages.
    await expect(other.getByRole('link', { name: 'Users' })).toHaveCount(0);
    await signOut(other);
    await signIn(other, colleague.email, colleague.password);
    await expect(other.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  } finally {
    await context.close();
  }

  // The Administrator makes the colleague an Advanced user.
  await page.reload();
  await expect(colleagueRow.getByText('Active')).toBeVisible();
  await colleagueRow.getByLabel(`Role of ${colleague.name}`).click();
  await page.getByRole('option', { name: 'Advanced' }).click();
  await expect(page.getByText(`${colleague.name} has been updated.`)).toBeVisible();
  await page.reload();
  await expect(colleagueRow.getByLabel(`Role of ${colleague.name}`)).toHaveValue('Advanced');

  // Turn on two-factor authentication.
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7 ]+=*$/);
  const confirmedAt = Date.now();
  await page.getByLabel('Code from the app').fill(totp(secret, confirmedAt));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();
  await expect(page.getByTestId('recovery-codes').locator('li').first()).toBeVisible();
  await page.getByRole('button', { name: 'I have stored my recovery codes' }).click();
  await expect(page.getByText('Two-factor authentication is on.').first()).toBeVisible();
  await signOut(page);

  // Sign in again: the password alone is not enough any more.
  await signIn(page, admin.email, admin.password);
  const code = page.getByLabel('Authentication code');
  await expect(code).toBeVisible();
  // A code may be used once: wait for the next 30-second step after the one used to confirm.
  const nextStep = (Math.floor(confirmedAt / 30_000) + 1) * 30_000;
  if (Date.now() < nextStep) await page.waitForTimeout(nextStep - Date.now() + 500);
  await code.fill(totp(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});
