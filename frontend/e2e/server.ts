/** Shared between the global setup (which starts the server) and the tests. */
export const BASE_URL_ENV = 'HAVEN_E2E_BASE_URL';
