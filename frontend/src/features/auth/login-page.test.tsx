import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { LANGUAGE_STORAGE_KEY } from '@/lib/i18n';
import { renderApp } from '@/testing/render-app';

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

  it('says that signing in is not available yet instead of pretending to sign in', async () => {
    const { user, router } = await renderApp({ path: '/login', language: 'en' });
    await user.type(screen.getByLabelText(/Email address/), 'ann@example.com');
    await user.type(screen.getByLabelText(/^Password/, { selector: 'input' }), 'secret');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const status = await screen.findByRole('status');
    expect(within(status).getByText('Sign-in is not available yet')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(fetch).not.toHaveBeenCalledWith(expect.objectContaining({ method: 'POST' }));
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
