import createFetchClient, { type Middleware } from 'openapi-fetch';
import createQueryClient from 'openapi-react-query';

import { auth, type Auth } from '@/lib/auth';
import { sessionStore, type SessionStore } from '@/lib/session';

import type { paths } from '@/api/generated/schema';

export type { components, paths } from '@/api/generated/schema';

/** Under this prefix a 401 means "wrong credentials or token", never "access token expired". */
const NO_REFRESH_PREFIX = '/api/v1/auth/';

/**
 * Adds the session's bearer token to requests. When the server answers 401 (the access
 * token expired or was revoked), refreshes the session once through the refresh cookie and
 * repeats the request; when that fails the session is dropped, and the router guard sends
 * the user to /login.
 */
export function createAuthMiddleware(store: SessionStore, session: Pick<Auth, 'refresh'>): Middleware {
  const originals = new Map<string, Request>();
  return {
    onRequest({ request, id }) {
      const current = store.get();
      if (current !== null) request.headers.set('Authorization', `Bearer ${current.token}`);
      // Keep an unread copy to repeat the request after a refresh.
      if (current !== null && !new URL(request.url).pathname.startsWith(NO_REFRESH_PREFIX)) originals.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const original = originals.get(id);
      originals.delete(id);
      if (response.status !== 401 || original === undefined) return response;
      if (!(await session.refresh())) {
        store.clear();
        return response;
      }
      const token = store.get()?.token;
      if (token !== undefined) original.headers.set('Authorization', `Bearer ${token}`);
      return globalThis.fetch(original);
    },
    onError({ id }) {
      originals.delete(id);
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
fetchClient.use(createAuthMiddleware(sessionStore, auth));

/** TanStack Query bindings for the client: `$api.useQuery('get', '/api/v1/system/info')`. */
export const $api = createQueryClient(fetchClient);
