import type { UseMutationOptions } from '@tanstack/react-query';
import createFetchClient, { type FetchResponse, type MaybeOptionalInit, type Middleware } from 'openapi-fetch';
import createQueryClient from 'openapi-react-query';

import { auth, type Auth } from '@/lib/auth';
import { sessionStore, type SessionStore } from '@/lib/session';

import { apiErrorMiddleware, type ApiError, type ApiPaths } from './errors';

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
export const fetchClient = createFetchClient<ApiPaths>({
  baseUrl: globalThis.location.origin,
  // Resolve `fetch` per call (not once at start-up) so tests can stub it.
  fetch: (request) => globalThis.fetch(request),
});
// Responses pass the middlewares last-registered first: the auth middleware repeats a 401
// after a refresh, and only what it finally returns is turned into an `ApiError`.
fetchClient.use(apiErrorMiddleware, createAuthMiddleware(sessionStore, auth));

/**
 * TanStack Query bindings for the client: `$api.useQuery('get', '/api/v1/system/info')`.
 *
 * The app's one query-key scheme is openapi-react-query's: `[method, path template, init]`, e.g.
 * `['get', '/api/v1/organizations/{id}', { params: { path: { id } } }]`. Features build keys for
 * invalidation and cache updates with `$api.queryOptions(...).queryKey`; a key without `init`
 * (or with part of it) matches every cached call of that path (with those parameters).
 */
export const $api = createQueryClient(fetchClient);

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** The paths that have an operation for `M`. */
export type ApiPath<M extends Method> = {
  [P in keyof ApiPaths]: ApiPaths[P] extends Record<M, unknown> ? P : never;
}[keyof ApiPaths];

type Init<M extends Method, P extends ApiPath<M>> = MaybeOptionalInit<ApiPaths[P], M>;
type Data<M extends Method, P extends ApiPath<M>> =
  ApiPaths[P][M] extends Record<string | number, unknown>
    ? Required<FetchResponse<ApiPaths[P][M], Init<M, P>, `${string}/${string}`>>['data']
    : never;

/** What `$api.useMutation(method, path, options)` takes: api modules pass it through. */
export type ApiMutationOptions<M extends Method, P extends ApiPath<M>> = Omit<
  UseMutationOptions<Data<M, P>, ApiError, Init<M, P>>,
  'mutationKey' | 'mutationFn'
>;

type OnSuccess<D, V, R, C> = (data: D, variables: V, onMutateResult: R, context: C) => unknown;

export interface CacheEffects<D, V> {
  /** Synchronous cache or session writes, done first so the caller's UI sees the new data. */
  update?: (data: D, variables: V) => void;
  /** Invalidations, done last; the mutation stays pending until the refetch is done. */
  refetch?: (data: D, variables: V) => Promise<unknown>;
}

/**
 * The `onSuccess` of an api module's mutation: its cache `update`, then the caller's `onSuccess`
 * (the UI: notify, close, navigate), then its `refetch`.
 */
export function withCache<D, V, R, C>(
  onSuccess: OnSuccess<D, V, R, C> | undefined,
  { update, refetch }: CacheEffects<D, V>,
): OnSuccess<D, V, R, C> {
  return async (data, variables, onMutateResult, context) => {
    update?.(data, variables);
    await onSuccess?.(data, variables, onMutateResult, context);
    await refetch?.(data, variables);
  };
}
