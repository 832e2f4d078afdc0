import { useInfiniteQuery } from '@tanstack/react-query';

import { $api, fetchClient } from '@/api/client';
import { call } from '@/api/errors';

/** The access point's and the SMP's certificates with the days they have left. */
export function useCertificates() {
  return $api.useQuery('get', '/api/v1/operator/certificates', undefined, { retry: false });
}

/**
 * The installation's own audit log (events of no environment, such as certificate warnings),
 * newest first, a page at a time; see `useAuditEvents` for why not `$api.useInfiniteQuery`.
 */
export function useInstallationAuditEvents() {
  return useInfiniteQuery({
    queryKey: $api.queryOptions('get', '/api/v1/operator/audit-events', {}).queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      call(
        fetchClient.GET('/api/v1/operator/audit-events', {
          params: { query: pageParam === undefined ? {} : { before: pageParam } },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    retry: false,
  });
}
