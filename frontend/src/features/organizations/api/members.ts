import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

import { orgKeys } from './keys';

export function useMembers(id: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/members', { params: { path: { id } } }, { select: (page) => page.items });
}

/** Users of the environment who could be added, filtered by `q` (empty: the first ones). */
export function useMemberCandidates(id: string, q: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/member-candidates', {
    params: { path: { id }, query: q === '' ? {} : { q } },
  });
}

/** Adds a member; the members and the candidates are refetched. */
export function useAddMember(options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/members'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/organizations/{id}/members', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_member, { params }) =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: orgKeys.members(params.path.id) }),
          queryClient.invalidateQueries({ queryKey: orgKeys.candidates(params.path.id) }),
        ]),
    }),
  });
}

export function useChangeMemberRole(
  options: ApiMutationOptions<'patch', '/api/v1/organizations/{id}/members/{userId}'> = {},
) {
  const queryClient = useQueryClient();
  return $api.useMutation('patch', '/api/v1/organizations/{id}/members/{userId}', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_member, { params }) => queryClient.invalidateQueries({ queryKey: orgKeys.members(params.path.id) }),
    }),
  });
}

/**
 * Removes a member. Everything cached about the organization is refetched: removing yourself
 * can change what you may see of it.
 */
export function useRemoveMember(
  options: ApiMutationOptions<'delete', '/api/v1/organizations/{id}/members/{userId}'> = {},
) {
  const queryClient = useQueryClient();
  return $api.useMutation('delete', '/api/v1/organizations/{id}/members/{userId}', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_result, { params }) => {
        const id = params.path.id;
        return Promise.all(
          [orgKeys.one(id), orgKeys.history(id), orgKeys.members(id), orgKeys.candidates(id)].map((queryKey) =>
            queryClient.invalidateQueries({ queryKey }),
          ),
        );
      },
    }),
  });
}
