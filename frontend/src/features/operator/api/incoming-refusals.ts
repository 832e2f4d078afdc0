import { useInfiniteQuery } from '@tanstack/react-query';

import { $api, fetchClient } from '@/api/client';
import { call } from '@/api/errors';

import type { components } from '@/api/generated/schema';

export type IncomingRefusal = components['schemas']['IncomingRefusalDto'];
export type RefusalReason = components['schemas']['RefusalReason'];

/**
 * Refused incoming AS4 messages, of one reason or all, newest first, 50 at a time (`before` =
 * the previous page's `nextCursor`). Not `$api.useInfiniteQuery`, which sends `before=0` for
 * the first page; the key follows the app's scheme all the same.
 */
export function useIncomingRefusals(reason: RefusalReason | null) {
  const query = reason === null ? { limit: 50 } : { limit: 50, reason };
  return useInfiniteQuery({
    queryKey: $api.queryOptions('get', '/api/v1/operator/peppol/incoming-refusals', { params: { query } }).queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      call(
        fetchClient.GET('/api/v1/operator/peppol/incoming-refusals', {
          params: { query: { ...query, ...(pageParam === undefined ? {} : { before: pageParam }) } },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    retry: false,
  });
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
