import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';
import type { Organization } from '@/api/types';

import { orgKeys } from './keys';

/** Switches sending or receiving; the answer replaces the identifier in the organization's cache. */
export function useUpdateIdentifier(
  options: ApiMutationOptions<'patch', '/api/v1/organizations/{id}/identifiers/{identifierId}'> = {},
) {
  const queryClient = useQueryClient();
  return $api.useMutation('patch', '/api/v1/organizations/{id}/identifiers/{identifierId}', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (identifier, { params }) => {
        queryClient.setQueryData<Organization>(orgKeys.one(params.path.id), (current) =>
          current === undefined
            ? current
            : { ...current, identifiers: current.identifiers.map((i) => (i.id === identifier.id ? identifier : i)) },
        );
      },
      // Sending and receiving show on the user's parties; receiving changes the SML state.
      refetch: (_identifier, { params }) =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: orgKeys.myParties }),
          queryClient.invalidateQueries({ queryKey: orgKeys.sml(params.path.id) }),
        ]),
    }),
  });
}

/** Adds an identifier; the organization (which lists them) is refetched. */
export function useAddIdentifier(options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/identifiers'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/organizations/{id}/identifiers', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_identifier, { params }) =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: orgKeys.one(params.path.id), exact: true }),
          queryClient.invalidateQueries({ queryKey: orgKeys.myParties }),
        ]),
    }),
  });
}

export function useRemoveIdentifier(
  options: ApiMutationOptions<'delete', '/api/v1/organizations/{id}/identifiers/{identifierId}'> = {},
) {
  const queryClient = useQueryClient();
  return $api.useMutation('delete', '/api/v1/organizations/{id}/identifiers/{identifierId}', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_result, { params }) =>
        queryClient.invalidateQueries({ queryKey: orgKeys.one(params.path.id), exact: true }),
    }),
  });
}

/** Where the organization's receiving participant ids are in the SML; asked again while one is pending. */
export function useSmlRegistrations(id: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/sml-registrations', { params: { path: { id } } }, {
    select: (list) => list.items,
    refetchInterval: (query) => (query.state.data?.items.some((r) => r.state === 'pending') === true ? 5000 : false),
  });
}
