/** Shared between the global setup (which starts the server) and the tests. */
export const BASE_URL_ENV = 'HAVEN_E2E_BASE_URL';

/**
 * The server's data directory (a temp dir). The server writes every email it sends as an
 * `.eml` file into `<data dir>/outbox/`; the tests read links out of them (`e2e/mail.ts`).
 */
export const DATA_DIR_ENV = 'HAVEN_E2E_DATA_DIR';

/** The platform operator of the test server (`HAVEN_OPERATOR_EMAILS`); a test registers it. */
export const OPERATOR_EMAIL = 'operator-e2e@example.com';

/** The shared secret of the test server's inbound-email endpoint (`HAVEN_INBOUND_EMAIL_SECRET`). */
export const INBOUND_EMAIL_SECRET = 'e2e-inbound-email-secret-0123456789abcdef';
/** The test server's intake mail domain (`HAVEN_INTAKE_DOMAIN`). */
export const INTAKE_DOMAIN = 'intake.haven.example';
