import { $api, fetchClient } from '@/api/client';

import type { components } from '@/api/generated/schema';

export type IncomingRefusal = components['schemas']['IncomingRefusalDto'];
export type RefusalReason = components['schemas']['RefusalReason'];

/** The newest refused incoming AS4 messages, of one reason or all: one page of 50. */
export function useIncomingRefusals(reason: RefusalReason | null) {
  const query = reason === null ? { limit: 50 } : { limit: 50, reason };
  return $api.useQuery('get', '/api/v1/operator/peppol/incoming-refusals', { params: { query } }, { retry: false });
}

/** The bytes kept of a refused message: its Content-Type line, a blank line and the MIME body. */
export async function downloadRefusedMessage(id: string): Promise<Blob> {
  const { data, response } = await fetchClient.GET('/api/v1/operator/peppol/incoming-refusals/{id}/message', {
    params: { path: { id } },
    parseAs: 'blob',
  });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}
