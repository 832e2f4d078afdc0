import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

const PATH = '/api/v1/organizations/{id}/directory-details';

/** What the organization adds to its Peppol Directory business card. */
export function useDirectoryDetails(id: string) {
  return $api.useQuery('get', PATH, { params: { path: { id } } });
}

/** Replaces the additions; the answer (as the server tidied them) replaces what is cached. */
export function useSetDirectoryDetails(options: ApiMutationOptions<'put', typeof PATH> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('put', PATH, {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (saved, { params }) => {
        queryClient.setQueryData($api.queryOptions('get', PATH, { params: { path: { id: params.path.id } } }).queryKey, saved);
      },
    }),
  });
}
