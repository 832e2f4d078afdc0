import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

import { orgKeys } from './keys';

/** The operators' activation queue (everyone else gets a 404). */
export function useReviewQueue() {
  return $api.useQuery('get', '/api/v1/operator/activation-requests', undefined, {
    retry: false,
    select: (page) => page.items,
  });
}

export function useApproveActivation(
  options: ApiMutationOptions<'post', '/api/v1/operator/organizations/{id}/approve'> = {},
) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/operator/organizations/{id}/approve', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: () => queryClient.invalidateQueries({ queryKey: orgKeys.reviewQueue }),
    }),
  });
}

export function useRejectActivation(
  options: ApiMutationOptions<'post', '/api/v1/operator/organizations/{id}/reject'> = {},
) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/operator/organizations/{id}/reject', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: () => queryClient.invalidateQueries({ queryKey: orgKeys.reviewQueue }),
    }),
  });
}
