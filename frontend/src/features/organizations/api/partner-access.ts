import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

/** Refetches the organization's partner access and the partner pages' lists. */
function useRefetchPartners() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      ['/api/v1/organizations/{id}/partner-access', '/api/v1/partnerships', '/api/v1/me/partner-access'].map((path) =>
        queryClient.invalidateQueries({ queryKey: ['get', path] }),
      ),
    );
}

/** The environment's partnerships (to offer access through an active one). */
export function usePartnershipsOf(organizationId: string) {
  return $api.useQuery(
    'get',
    '/api/v1/partnerships',
    {},
    {
      select: (page) =>
        page.items.filter((p) => p.organizationId === organizationId && p.side === 'client' && p.status === 'active'),
    },
  );
}

export function useOrganizationPartnerAccess(id: string) {
  return $api.useQuery(
    'get',
    '/api/v1/organizations/{id}/partner-access',
    { params: { path: { id } } },
    { select: (page) => page.items },
  );
}

export function useOfferPartnerAccess(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/partner-access'> = {},
) {
  const refetch = useRefetchPartners();
  return $api.useMutation('post', '/api/v1/organizations/{id}/partner-access', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

export function useRevokePartnerAccess(
  options: ApiMutationOptions<'delete', '/api/v1/organizations/{id}/partner-access/{grantId}'> = {},
) {
  const refetch = useRefetchPartners();
  return $api.useMutation('delete', '/api/v1/organizations/{id}/partner-access/{grantId}', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}
