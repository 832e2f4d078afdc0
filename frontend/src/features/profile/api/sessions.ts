import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

const sessionsKey = $api.queryOptions('get', '/api/v1/me/sessions').queryKey;

/** The user's sign-in sessions (devices). */
export function useMySessions() {
  return $api.useQuery('get', '/api/v1/me/sessions');
}

export function useRevokeSession(options: ApiMutationOptions<'delete', '/api/v1/me/sessions/{id}'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('delete', '/api/v1/me/sessions/{id}', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: () => queryClient.invalidateQueries({ queryKey: sessionsKey }),
    }),
  });
}

/** Ends every session, this one included (the caller signs out locally). */
export function useSignOutEverywhere(options: ApiMutationOptions<'post', '/api/v1/auth/logout-all'> = {}) {
  return $api.useMutation('post', '/api/v1/auth/logout-all', options);
}
