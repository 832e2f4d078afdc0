import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { renderApp } from '@/testing/render-app';

describe('router', () => {
  it('redirects a protected route to /login when there is no session', async () => {
    const { router } = await renderApp({ path: '/', language: 'en' });
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toEqual({ redirect: '/' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeInTheDocument();
  });

  it('renders the app layout with a session', async () => {
    const { router } = await renderApp({ path: '/', language: 'en', session: { token: 't' } });
    expect(router.state.location.pathname).toBe('/');
    expect(screen.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeInTheDocument();
    expect(screen.getByText('Nederlands')).toBeInTheDocument();
  });

  it('sends the user to /login when the session ends', async () => {
    const { router, user } = await renderApp({ path: '/', language: 'en', session: { token: 't' } });
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
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
