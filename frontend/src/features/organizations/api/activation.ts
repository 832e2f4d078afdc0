import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions, type CacheEffects } from '@/api/client';
import type { Organization } from '@/api/types';

import { orgKeys } from './keys';

/**
 * After an activation step the organization's cache takes the answer, and its history, the
 * list and the operators' queue are refetched.
 */
function useActivationEffects(): CacheEffects<Organization, { params: { path: { id: string } } }> {
  const queryClient = useQueryClient();
  return {
    update: (updated, { params }) => queryClient.setQueryData(orgKeys.one(params.path.id), updated),
    refetch: (_updated, { params }) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: orgKeys.history(params.path.id) }),
        queryClient.invalidateQueries({ queryKey: orgKeys.list, exact: true }),
        queryClient.invalidateQueries({ queryKey: orgKeys.reviewQueue }),
        queryClient.invalidateQueries({ queryKey: orgKeys.myParties }),
      ]),
  };
}

/** Asks for activation by emailed code or by operator review (also: sends a new code). */
export function useRequestActivation(options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/activation'> = {}) {
  const effects = useActivationEffects();
  return $api.useMutation('post', '/api/v1/organizations/{id}/activation', {
    ...options,
    onSuccess: withCache(options.onSuccess, effects),
  });
}

export function useEnterActivationCode(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/activation/code'> = {},
) {
  const effects = useActivationEffects();
  return $api.useMutation('post', '/api/v1/organizations/{id}/activation/code', {
    ...options,
    onSuccess: withCache(options.onSuccess, effects),
  });
}

export function useDeactivateOrganization(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/deactivate'> = {},
) {
  const effects = useActivationEffects();
  return $api.useMutation('post', '/api/v1/organizations/{id}/deactivate', {
    ...options,
    onSuccess: withCache(options.onSuccess, effects),
  });
}

export function useOrganizationHistory(id: string) {
  // The API pages newest first; the timeline reads oldest first.
  return $api.useQuery('get', '/api/v1/organizations/{id}/history', { params: { path: { id } } }, {
    select: (page) => [...page.items].reverse(),
  });
}
