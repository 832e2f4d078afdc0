import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

export const smlKeys = {
  comparison: $api.queryOptions('get', '/api/v1/operator/sml/comparison').queryKey,
};

/** The SML's participant ids under this installation's SMP against Haven's records. */
export function useSmlComparison() {
  return $api.useQuery('get', '/api/v1/operator/sml/comparison', {}, { retry: false });
}

/** Queues the repair of the difference; the comparison is read again. */
export function useRepairSml(options: ApiMutationOptions<'post', '/api/v1/operator/sml/reconcile'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/operator/sml/reconcile', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: () => queryClient.invalidateQueries({ queryKey: smlKeys.comparison }) }),
  });
}

/** Announces the next SMP certificate to the SML with its migration date. */
export function useAnnounceCertificateChange() {
  return $api.useMutation('post', '/api/v1/operator/sml/certificate-change');
}
