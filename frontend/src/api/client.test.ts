import { describe, expect, it } from 'vitest';

import { createSessionStore } from '@/features/auth/session';

import { createAuthMiddleware } from './client';

type OnRequest = NonNullable<ReturnType<typeof createAuthMiddleware>['onRequest']>;
type OnResponse = NonNullable<ReturnType<typeof createAuthMiddleware>['onResponse']>;

function requestContext(request: Request) {
  return { request, schemaPath: '/x', params: {}, id: '1', options: {} } as unknown as Parameters<OnRequest>[0];
}

describe('auth middleware', () => {
  it('adds the bearer token when there is a session', async () => {
    const middleware = createAuthMiddleware(createSessionStore({ token: 'abc' }));
    const request = await middleware.onRequest?.(requestContext(new Request('http://localhost/api/x')));
    expect(request instanceof Request && request.headers.get('Authorization')).toBe('Bearer abc');
  });

  it('sends no token without a session', async () => {
    const middleware = createAuthMiddleware(createSessionStore());
    const request = await middleware.onRequest?.(requestContext(new Request('http://localhost/api/x')));
    expect(request instanceof Request && request.headers.has('Authorization')).toBe(false);
  });

  it('drops the session on 401', async () => {
    const store = createSessionStore({ token: 'abc' });
    const middleware = createAuthMiddleware(store);
    const context = {
      ...requestContext(new Request('http://localhost/api/x')),
      response: new Response(null, { status: 401 }),
    } as unknown as Parameters<OnResponse>[0];
    await middleware.onResponse?.(context);
    expect(store.isAuthenticated()).toBe(false);
  });
});
