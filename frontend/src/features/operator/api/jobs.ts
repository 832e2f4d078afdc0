import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

/** The newest dead jobs: one page of 100 (operators retry them once the cause is fixed). */
const deadJobs = { params: { query: { status: 'dead', limit: 100 } } } as const;

export const jobKeys = {
  dead: $api.queryOptions('get', '/api/v1/operator/jobs', deadJobs).queryKey,
};

export function useDeadJobs() {
  return $api.useQuery('get', '/api/v1/operator/jobs', deadJobs, { retry: false });
}

/** Queues a dead job again; the dead list is refetched afterwards. */
export function useRetryJob(options: ApiMutationOptions<'post', '/api/v1/operator/jobs/{id}/retry'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/operator/jobs/{id}/retry', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: () => queryClient.invalidateQueries({ queryKey: jobKeys.dead }) }),
  });
}
