// Entry of /api/docs: the interactive API reference, rendered from the backend's
// OpenAPI document. Everything is bundled: no fonts, scripts or styles from a CDN,
// so the page works on machines without internet access.
import '@scalar/api-reference/style.css';

import { createApiReference } from '@scalar/api-reference';

createApiReference('#api-reference', {
  url: '/api/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: 'never',
  hideClientButton: false,
  theme: 'default',
});
