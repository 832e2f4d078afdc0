import createFetchClient from 'openapi-fetch';
import createQueryClient from 'openapi-react-query';

import { apiErrorMiddleware, type ApiPaths } from './errors';

/**
 * The typed client without the auth middleware: used for the token refresh itself (so a
 * 401 from `/auth/refresh` never triggers another refresh) and for the public account pages.
 */
export const bareClient = createFetchClient<ApiPaths>({
  baseUrl: globalThis.location.origin,
  // Resolve `fetch` per call (not once at start-up) so tests can stub it.
  fetch: (request) => globalThis.fetch(request),
});
bareClient.use(apiErrorMiddleware);

/** Query hooks over `bareClient`, for the pages used without a session (sign in, register, …). */
export const $publicApi = createQueryClient(bareClient);
