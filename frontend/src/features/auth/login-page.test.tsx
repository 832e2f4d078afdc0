import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { LANGUAGE_STORAGE_KEY } from '@/lib/i18n';
import { sessionStore } from '@/lib/session';
import { loginResponse } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

async function fillCredentials(user: Awaited<ReturnType<typeof renderApp>>['user']) {
  await user.type(screen.getByLabelText(/Email address/), 'ann@example.com');
  await user.type(screen.getByLabelText(/^Password/, { selector: 'input' }), 'secret passphrase');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('login page', () => {
  it('renders in English', async () => {
    await renderApp({ path: '/login', language: 'en' });
    expect(screen.getByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeInTheDocument();
    expect(screen.getByLabelText(/Email address/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Password/, { selector: 'input' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('renders in Dutch', async () => {
    await renderApp({ path: '/login', language: 'nl' });
    expect(screen.getByRole('heading', { level: 1, name: 'Inloggen bij Haven' })).toBeInTheDocument();
    expect(screen.getByLabelText(/E-mailadres/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Wachtwoord/, { selector: 'input' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Wachtwoord tonen of verbergen' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('nl');
  });

  it('signs in, switches to the user’s language and opens the page that asked for a session', async () => {
    const api = mockApi({
      'POST /api/v1/auth/login': { body: loginResponse({ language: 'nl' }) },
      'GET /api/v1/me/sessions': { body: [] },
      'GET /api/v1/me/emails': { body: [] },
    });
    const { user, router } = await renderApp({ path: '/login?redirect=%2Fprofile', language: 'en' });
    await fillCredentials(user);

    expect(await screen.findByRole('heading', { level: 1, name: 'Profiel' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/profile');
    expect(sessionStore.get()?.token).toBe('new-access-token');
    expect(api.callsTo('POST /api/v1/auth/login')[0]?.body).toEqual({
      email: 'ann@example.com',
      password: 'secret passphrase',
    });
  }, 15_000);

  it('says wrong credentials in the user language', async () => {
    mockApi({ 'POST /api/v1/auth/login': errorReply(401, 'invalid_credentials', 'A server sentence the app does not show.') });
    const { user, router } = await renderApp({ path: '/login', language: 'en' });
    await fillCredentials(user);
    expect(await screen.findByRole('alert')).toHaveTextContent('The email address or password is incorrect.');
    expect(router.state.location.pathname).toBe('/login');
  });

  it('asks for a 2FA code and resubmits it with the same email and password', async () => {
    const api = mockApi({
      'POST /api/v1/auth/login': ({ body }) =>
        body?.code === '123456'
          ? { body: loginResponse() }
          : errorReply(401, 'two_factor_required', 'Enter the code from your authenticator app.'),
      // Signed in, the dashboard asks for the user's parties.
      'GET /api/v1/me/parties': { body: [] },
    });
    const { user } = await renderApp({ path: '/login', language: 'en' });
    await fillCredentials(user);

    const code = await screen.findByLabelText(/Authentication code/);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.type(code, '123 456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Dashboard' })).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/auth/login').map((call) => call.body)).toEqual([
      { email: 'ann@example.com', password: 'secret passphrase' },
      { email: 'ann@example.com', password: 'secret passphrase', code: '123456' },
    ]);
  }, 15_000);

  it('says when to try again after too many attempts', async () => {
    mockApi({
      'POST /api/v1/auth/login': errorReply(429, 'too_many_requests', 'Too many sign-in attempts.', [], {
        'Retry-After': '30',
      }),
    });
    const { user } = await renderApp({ path: '/login', language: 'en' });
    await fillCredentials(user);
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText(/Try again in 30 seconds/)).toBeInTheDocument();
  });

  it('switches language with the language switch and remembers the choice', async () => {
    const { user } = await renderApp({ path: '/login' });
    expect(screen.getByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('en');

    await user.click(screen.getByText('Nederlands'));

    expect(await screen.findByRole('heading', { level: 1, name: 'Inloggen bij Haven' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('nl');
    expect(window.localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('nl');

    await user.click(screen.getByText('English'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('en');
  });
});
