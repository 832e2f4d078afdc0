import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { sessionStore } from '@/lib/session';
import { session } from '@/testing/fixtures';
import { mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

describe('router', () => {
  it('redirects a protected route to /login when there is no session', async () => {
    const { router } = await renderApp({ path: '/', language: 'en' });
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toEqual({ redirect: '/' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeInTheDocument();
  });

  it('renders the app layout with a session', async () => {
    const { router } = await renderApp({ path: '/', language: 'en', session: session() });
    expect(router.state.location.pathname).toBe('/');
    expect(screen.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeInTheDocument();
    expect(screen.getByText('Nederlands')).toBeInTheDocument();
  });

  it('sends the user to /login when the session ends', async () => {
    // The dashboard asks for the user's parties.
    const api = mockApi({ 'POST /api/v1/auth/logout': { status: 204 }, 'GET /api/v1/me/parties': { body: [] } });
    const { router, user } = await renderApp({ path: '/', language: 'en', session: session() });
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(api.callsTo('POST /api/v1/auth/logout')).toHaveLength(1);
  });

  it('keeps the user signed in when the refresh cookie still holds a session', async () => {
    const { router } = await renderApp({
      path: '/profile',
      language: 'en',
      restore: () => {
        sessionStore.set(session());
        return Promise.resolve(true);
      },
    });
    expect(router.state.location.pathname).toBe('/profile');
  });

  it('sends a user who must set up 2FA to the profile', async () => {
    const { router } = await renderApp({ path: '/', language: 'en', session: session({ twoFactorSetupRequired: true }) });
    expect(router.state.location.pathname).toBe('/profile');
    expect(screen.getByText('Two-factor authentication is required')).toBeInTheDocument();
  });

  it('shows administration pages only to administrators', async () => {
    await renderApp({ path: '/', language: 'en', session: session({ role: 'basic' }) });
    expect(screen.getByRole('link', { name: 'Profile' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Users' })).not.toBeInTheDocument();
  });

  it('shows the not-found page for unknown routes, without a session', async () => {
    const { router } = await renderApp({ path: '/some/deep/link', language: 'en' });
    expect(router.state.location.pathname).toBe('/some/deep/link');
    expect(screen.getByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument();
  });

  it('shows the not-found page in Dutch', async () => {
    await renderApp({ path: '/nope', language: 'nl' });
    expect(screen.getByRole('heading', { level: 1, name: 'Pagina niet gevonden' })).toBeInTheDocument();
  });
});
