import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

import { userKeys } from './users';

export function useEmailApprovals() {
  return $api.useQuery('get', '/api/v1/users/email-approvals');
}

/** After a decision the approvals and the users are refetched. */
function useRefetchAfterDecision() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: userKeys.emailApprovals }),
      queryClient.invalidateQueries({ queryKey: userKeys.list }),
    ]);
}

export function useApproveEmail(options: ApiMutationOptions<'post', '/api/v1/users/email-approvals/{id}/approve'> = {}) {
  const refetch = useRefetchAfterDecision();
  return $api.useMutation('post', '/api/v1/users/email-approvals/{id}/approve', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

export function useRejectEmail(options: ApiMutationOptions<'post', '/api/v1/users/email-approvals/{id}/reject'> = {}) {
  const refetch = useRefetchAfterDecision();
  return $api.useMutation('post', '/api/v1/users/email-approvals/{id}/reject', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}
