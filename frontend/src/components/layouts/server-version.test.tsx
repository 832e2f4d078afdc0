import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { jsonResponse, renderApp } from '@/testing/render-app';

describe('server version in the footer', () => {
  it('shows the version reported by GET /api/v1/system/info', async () => {
    const fetchMock = vi.fn((request: Request) =>
      Promise.resolve(
        new URL(request.url).pathname === '/api/v1/system/info'
          ? jsonResponse({ name: 'Haven', version: '0.1.0', database: 'sqlite' })
          : jsonResponse({}, 404),
      ),
    );
    vi.stubGlobal('fetch', fetchMock);

    await renderApp({ path: '/login', language: 'en' });

    expect(await screen.findByText('Server version 0.1.0')).toBeInTheDocument();
    const request = fetchMock.mock.calls[0]?.[0];
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe('http://localhost/api/v1/system/info');
  });

  it('does not break the page when the call fails', async () => {
    await renderApp({ path: '/login', language: 'en' });
    expect(await screen.findByText('Server version unavailable')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Sign in to Haven' })).toBeInTheDocument();
  });

  it('does not break the page on an error response', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() =>
        Promise.resolve(
          jsonResponse(
            {
              code: 'internal',
              message: 'boom',
              requestId: 'r1',
              dateTime: '2026-01-01T00:00:00Z',
              details: null,
            },
            500,
          ),
        ),
      ),
    );
    await renderApp({ path: '/login', language: 'nl' });
    expect(await screen.findByText('Serverversie niet beschikbaar')).toBeInTheDocument();
  });
});
