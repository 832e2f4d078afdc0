import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

const emailsKey = $api.queryOptions('get', '/api/v1/me/emails').queryKey;

/** The user's additional email addresses. */
export function useMyEmails() {
  return $api.useQuery('get', '/api/v1/me/emails');
}

export function useAddEmail(options: ApiMutationOptions<'post', '/api/v1/me/emails'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/me/emails', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: () => queryClient.invalidateQueries({ queryKey: emailsKey }) }),
  });
}

export function useRemoveEmail(options: ApiMutationOptions<'delete', '/api/v1/me/emails/{id}'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('delete', '/api/v1/me/emails/{id}', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: () => queryClient.invalidateQueries({ queryKey: emailsKey }) }),
  });
}
