import { useQuery } from '@tanstack/react-query';

import { fetchClient } from '@/api/client';
import { call } from '@/api/errors';

/** Query keys of the organization screens. */
export const orgKeys = {
  all: ['organizations'] as const,
  one: (id: string) => ['organizations', id] as const,
  history: (id: string) => ['organizations', id, 'history'] as const,
  members: (id: string) => ['organizations', id, 'members'] as const,
  candidates: (id: string, q: string) => ['organizations', id, 'member-candidates', q] as const,
  reviewQueue: ['operator', 'activation-requests'] as const,
};

export function useOrganizations() {
  return useQuery({ queryKey: orgKeys.all, queryFn: async () => (await call(fetchClient.GET('/api/v1/organizations', { params: { query: { limit: 200 } } }))).items });
}

export function useOrganization(id: string) {
  return useQuery({
    queryKey: orgKeys.one(id),
    queryFn: () => call(fetchClient.GET('/api/v1/organizations/{id}', { params: { path: { id } } })),
  });
}

/**
 * The operators' activation queue. Everyone else gets a 404, so this doubles as "is the
 * signed-in user a platform operator" (for the navigation).
 */
export function useReviewQueue({ fresh = false }: { fresh?: boolean } = {}) {
  return useQuery({
    queryKey: orgKeys.reviewQueue,
    queryFn: async () => (await call(fetchClient.GET('/api/v1/operator/activation-requests', { params: { query: { limit: 200 } } }))).items,
    retry: false,
    // The navigation only needs to know once; the review page wants the current queue.
    staleTime: fresh ? 0 : 300_000,
  });
}
