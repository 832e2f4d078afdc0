import { useQueryClient } from '@tanstack/react-query';

import { $api, fetchClient, withCache, type ApiMutationOptions } from '@/api/client';
import type { DraftStatus } from '@/api/types';

const LIST = '/api/v1/organizations/{id}/intake/drafts';
const ONE = '/api/v1/organizations/{id}/intake/drafts/{draftId}';

/** One page of the organization's drafts; `before` is the cursor of the page before. */
export function useDrafts(organizationId: string, status: DraftStatus | undefined, before: string | undefined) {
  return $api.useQuery('get', LIST, {
    params: {
      path: { id: organizationId },
      query: { ...(status === undefined ? {} : { status }), ...(before === undefined ? {} : { before }) },
    },
  });
}

export function useDraft(organizationId: string, draftId: string) {
  return $api.useQuery('get', ONE, { params: { path: { id: organizationId, draftId } } });
}

/** The draft's PDF, as a blob (fetched with the session's token). */
export async function fetchDraftPdf(organizationId: string, draftId: string): Promise<Blob> {
  const { data, response } = await fetchClient.GET('/api/v1/organizations/{id}/intake/drafts/{draftId}/pdf', {
    params: { path: { id: organizationId, draftId } },
    parseAs: 'blob',
  });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}

/** After a change: the draft itself and every list of drafts of the organization. */
function useRefetchDrafts() {
  const queryClient = useQueryClient();
  return async (id: string, draftId: string) => {
    await queryClient.invalidateQueries({
      queryKey: $api.queryOptions('get', ONE, { params: { path: { id, draftId } } }).queryKey,
    });
    await queryClient.invalidateQueries({
      predicate: (query) => query.queryKey[1] === LIST,
    });
  };
}

export function useUpdateDraft(
  options: ApiMutationOptions<'put', '/api/v1/organizations/{id}/intake/drafts/{draftId}/fields'> = {},
) {
  const refetch = useRefetchDrafts();
  return $api.useMutation('put', '/api/v1/organizations/{id}/intake/drafts/{draftId}/fields', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_data, { params }) => refetch(params.path.id, params.path.draftId),
    }),
  });
}

export function useCompleteDraft(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/intake/drafts/{draftId}/complete'> = {},
) {
  const refetch = useRefetchDrafts();
  return $api.useMutation('post', '/api/v1/organizations/{id}/intake/drafts/{draftId}/complete', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_data, { params }) => refetch(params.path.id, params.path.draftId),
    }),
  });
}

export function useDiscardDraft(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/intake/drafts/{draftId}/discard'> = {},
) {
  const refetch = useRefetchDrafts();
  return $api.useMutation('post', '/api/v1/organizations/{id}/intake/drafts/{draftId}/discard', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_data, { params }) => refetch(params.path.id, params.path.draftId),
    }),
  });
}
