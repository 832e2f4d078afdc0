import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

import { orgKeys } from './keys';

export function useOrganizations() {
  return $api.useQuery('get', '/api/v1/organizations', undefined, { select: (page) => page.items });
}

export function useOrganization(id: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}', { params: { path: { id } } });
}

/** Adds an organization; the list is refetched. */
export function useCreateOrganization(options: ApiMutationOptions<'post', '/api/v1/organizations'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/organizations', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: () => queryClient.invalidateQueries({ queryKey: orgKeys.list }),
    }),
  });
}

/** Saves the details: the organization's cache takes the answer, and the list is refetched. */
export function useUpdateOrganization(options: ApiMutationOptions<'patch', '/api/v1/organizations/{id}'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('patch', '/api/v1/organizations/{id}', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (updated, { params }) => queryClient.setQueryData(orgKeys.one(params.path.id), updated),
      refetch: () => queryClient.invalidateQueries({ queryKey: orgKeys.list, exact: true }),
    }),
  });
}

/** A business register search, run on demand (a mutation, so it never refetches by itself). */
export function useRegisterSearch(options: ApiMutationOptions<'get', '/api/v1/business-register/search'> = {}) {
  return $api.useMutation('get', '/api/v1/business-register/search', options);
}

/** One company of the business register, fetched when the user picks a search hit. */
export function useRegisterCompany(
  options: ApiMutationOptions<'get', '/api/v1/business-register/companies/{kvkNumber}'> = {},
) {
  return $api.useMutation('get', '/api/v1/business-register/companies/{kvkNumber}', options);
}
