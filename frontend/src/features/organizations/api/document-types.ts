import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

const PATH = '/api/v1/organizations/{id}/peppol-document-types';

/** The invoice document types the organization receives (its choice, or its country's default). */
export function useDocumentTypes(id: string) {
  return $api.useQuery('get', PATH, { params: { path: { id } } }, { select: (body) => body.documentTypes });
}

/** Chooses the document types; the answer replaces what is cached. */
export function useSetDocumentTypes(options: ApiMutationOptions<'put', typeof PATH> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('put', PATH, {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (chosen, { params }) => {
        queryClient.setQueryData($api.queryOptions('get', PATH, { params: { path: { id: params.path.id } } }).queryKey, chosen);
      },
    }),
  });
}
