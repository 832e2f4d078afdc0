import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

const byId = (id: string) => ({ params: { path: { id } } });

/** Keys of what the connection screens cache. */
export const connectionKeys = {
  list: (id: string) => $api.queryOptions('get', '/api/v1/organizations/{id}/connections', byId(id)).queryKey,
};

export function useConnections(organizationId: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/connections', byId(organizationId), {
    select: (page) => page.items,
  });
}

/** One page of a connection's usage log; `before` is the cursor of the page before. */
export function useConnectionUsage(organizationId: string, connectionId: string, before: string | undefined) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/connections/{connectionId}/usage', {
    params: { path: { id: organizationId, connectionId }, query: before === undefined ? {} : { before } },
  });
}

function useRefetchList() {
  const queryClient = useQueryClient();
  return (id: string) => queryClient.invalidateQueries({ queryKey: connectionKeys.list(id) });
}

export function useCreateConnection(options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/connections'> = {}) {
  const refetch = useRefetchList();
  return $api.useMutation('post', '/api/v1/organizations/{id}/connections', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: (_data, { params }) => refetch(params.path.id) }),
  });
}

export function useRevokeConnection(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/connections/{connectionId}/revoke'> = {},
) {
  const refetch = useRefetchList();
  return $api.useMutation('post', '/api/v1/organizations/{id}/connections/{connectionId}/revoke', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: (_data, { params }) => refetch(params.path.id) }),
  });
}

export function useRegenerateSecret(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/connections/{connectionId}/secret'> = {},
) {
  const refetch = useRefetchList();
  return $api.useMutation('post', '/api/v1/organizations/{id}/connections/{connectionId}/secret', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: (_data, { params }) => refetch(params.path.id) }),
  });
}

export function useDeleteConnection(
  options: ApiMutationOptions<'delete', '/api/v1/organizations/{id}/connections/{connectionId}'> = {},
) {
  const refetch = useRefetchList();
  return $api.useMutation('delete', '/api/v1/organizations/{id}/connections/{connectionId}', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: (_data, { params }) => refetch(params.path.id) }),
  });
}

/** The organization the connections belong to (the same cached call as its own page). */
export function useOrganizationOf(organizationId: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}', byId(organizationId));
}
