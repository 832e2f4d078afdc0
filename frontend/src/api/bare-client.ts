import createFetchClient from 'openapi-fetch';

import type { paths } from '@/api/generated/schema';

/**
 * The typed client without the auth middleware: used for the token refresh itself (so a
 * 401 from `/auth/refresh` never triggers another refresh).
 */
export const bareClient = createFetchClient<paths>({
  baseUrl: globalThis.location.origin,
  // Resolve `fetch` per call (not once at start-up) so tests can stub it.
  fetch: (request) => globalThis.fetch(request),
});
