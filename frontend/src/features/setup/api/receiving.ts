import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';
import { sessionStore } from '@/lib/session';

/**
 * Answers the first-login question (receive e-invoices or not). The environment's cache (if the
 * settings page loaded it) and the session's copy take the answer; the question is settled.
 */
export function useDecideReceiving(options: ApiMutationOptions<'put', '/api/v1/environment/receiving'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('put', '/api/v1/environment/receiving', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (environment) => {
        queryClient.setQueryData($api.queryOptions('get', '/api/v1/environment').queryKey, environment);
        sessionStore.updateUser((current) => ({ ...current, environment, needsReceivingDecision: false }));
      },
    }),
  });
}
