import { describe, expect, it, vi } from 'vitest';

import { createSessionStore } from '@/lib/session';
import { session } from '@/testing/fixtures';

import { createAuthMiddleware } from './client';

type Middleware = ReturnType<typeof createAuthMiddleware>;
type OnRequest = NonNullable<Middleware['onRequest']>;
type OnResponse = NonNullable<Middleware['onResponse']>;

function requestContext(request: Request, id = '1') {
  return { request, schemaPath: '/x', params: {}, id, options: {} } as unknown as Parameters<OnRequest>[0];
}

function responseContext(request: Request, response: Response, id = '1') {
  return { ...requestContext(request, id), response } as unknown as Parameters<OnResponse>[0];
}

describe('auth middleware', () => {
  it('adds the bearer token when there is a session', async () => {
    const middleware = createAuthMiddleware(createSessionStore(session()), { refresh: vi.fn() });
    const request = await middleware.onRequest?.(requestContext(new Request('http://localhost/api/v1/me')));
    expect(request instanceof Request && request.headers.get('Authorization')).toBe('Bearer access-token');
  });

  it('sends no token without a session', async () => {
    const middleware = createAuthMiddleware(createSessionStore(), { refresh: vi.fn() });
    const request = await middleware.onRequest?.(requestContext(new Request('http://localhost/api/v1/me')));
    expect(request instanceof Request && request.headers.has('Authorization')).toBe(false);
  });

  it('on 401 refreshes once and repeats the request with the new token', async () => {
    const store = createSessionStore(session());
    const refresh = vi.fn(() => {
      store.set({ ...session(), token: 'fresh' });
      return Promise.resolve(true);
    });
    const fetchMock = vi.fn((request: Request) =>
      Promise.resolve(new Response(request.headers.get('Authorization'), { status: 200 })),
    );
    vi.stubGlobal('fetch', fetchMock);
    const middleware = createAuthMiddleware(store, { refresh });
    const request = new Request('http://localhost/api/v1/me');
    await middleware.onRequest?.(requestContext(request));
    const response = await middleware.onResponse?.(responseContext(request, new Response(null, { status: 401 })));
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(response instanceof Response && (await response.text())).toBe('Bearer fresh');
  });

  it('drops the session when the refresh fails', async () => {
    const store = createSessionStore(session());
    const middleware = createAuthMiddleware(store, { refresh: () => Promise.resolve(false) });
    const request = new Request('http://localhost/api/v1/me');
    await middleware.onRequest?.(requestContext(request));
    await middleware.onResponse?.(responseContext(request, new Response(null, { status: 401 })));
    expect(store.isAuthenticated()).toBe(false);
  });

  it('never refreshes for the auth endpoints themselves', async () => {
    const store = createSessionStore(session());
    const refresh = vi.fn(() => Promise.resolve(true));
    const middleware = createAuthMiddleware(store, { refresh });
    const request = new Request('http://localhost/api/v1/auth/logout-all', { method: 'POST' });
    await middleware.onRequest?.(requestContext(request));
    await middleware.onResponse?.(responseContext(request, new Response(null, { status: 401 })));
    expect(refresh).not.toHaveBeenCalled();
  });
});
