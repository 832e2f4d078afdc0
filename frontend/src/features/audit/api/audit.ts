import { useInfiniteQuery } from '@tanstack/react-query';

import { $api, fetchClient, type paths } from '@/api/client';
import { call } from '@/api/errors';

/** The audit log's filters (the cursor is the query's business). */
export type AuditQuery = Omit<NonNullable<paths['/api/v1/audit-events']['get']['parameters']['query']>, 'before'>;

/** Every action the audit log records, to filter by. */
export function useAuditActions() {
  return $api.useQuery('get', '/api/v1/audit-events/actions', undefined, { staleTime: Infinity });
}

/** The users of the environment, to filter by actor. */
export function useAuditActors() {
  return $api.useQuery('get', '/api/v1/users', undefined, { select: (page) => page.items });
}

/**
 * The audit log, newest first, a page at a time (`before` = the previous page's `nextCursor`).
 * Not `$api.useInfiniteQuery`: openapi-react-query 0.5 sends `before=0` for the first page.
 * The key follows the app's scheme all the same.
 */
export function useAuditEvents(query: AuditQuery) {
  return useInfiniteQuery({
    queryKey: $api.queryOptions('get', '/api/v1/audit-events', { params: { query } }).queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      call(
        fetchClient.GET('/api/v1/audit-events', {
          params: { query: { ...query, ...(pageParam === undefined ? {} : { before: pageParam }) } },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}
