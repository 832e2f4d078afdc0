import createFetchClient, { type Middleware } from 'openapi-fetch';
import createQueryClient from 'openapi-react-query';

import { sessionStore, type SessionStore } from '@/features/auth/session';

import type { paths } from './generated/schema';

export type { components, paths } from './generated/schema';

/**
 * Adds the session's bearer token to requests and drops the session when the server
 * answers 401, so the router guard sends the user back to /login on the next navigation.
 * Today no session exists, so this is a no-op hook for the accounts feature.
 */
export function createAuthMiddleware(store: SessionStore): Middleware {
  return {
    onRequest({ request }) {
      const session = store.get();
      if (session !== null) request.headers.set('Authorization', `Bearer ${session.token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) store.clear();
      return response;
    },
  };
}

/**
 * The one typed HTTP client for Haven's API. The API is served from the same origin as
 * the app (the Vite dev server proxies /api to the backend).
 */
export const fetchClient = createFetchClient<paths>({
  baseUrl: globalThis.location.origin,
  // Resolve `fetch` per call (not once at start-up) so tests can stub it.
  fetch: (request) => globalThis.fetch(request),
});
fetchClient.use(createAuthMiddleware(sessionStore));

/** TanStack Query bindings for the client: `$api.useQuery('get', '/api/v1/system/info')`. */
export const $api = createQueryClient(fetchClient);
