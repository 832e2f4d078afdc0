import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

/** Every partner list the app caches: refetched after any partner change. */
const PARTNER_PATHS = [
  '/api/v1/partner-requests',
  '/api/v1/partnerships',
  '/api/v1/me/partner-access',
  '/api/v1/organizations/{id}/partner-access',
] as const;

/** Refetches every partner list (a change on one side shows on the others). */
function useRefetchPartners() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all(PARTNER_PATHS.map((path) => queryClient.invalidateQueries({ queryKey: ['get', path] })));
}

export function usePartnerRequests(side: 'sent' | 'received', enabled = true) {
  return $api.useQuery(
    'get',
    '/api/v1/partner-requests',
    { params: { query: { side } } },
    { select: (page) => page.items, enabled },
  );
}

export function usePartnerships() {
  return $api.useQuery('get', '/api/v1/partnerships', {}, { select: (page) => page.items });
}

export function useMyPartnerAccess() {
  return $api.useQuery('get', '/api/v1/me/partner-access', {}, { select: (page) => page.items });
}

export function useSendPartnerRequest(options: ApiMutationOptions<'post', '/api/v1/partner-requests'> = {}) {
  const refetch = useRefetchPartners();
  return $api.useMutation('post', '/api/v1/partner-requests', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

/** Opens an emailed link: ties the request to the caller's environment and shows it. */
export function useOpenPartnerRequest(options: ApiMutationOptions<'post', '/api/v1/partner-requests/open'> = {}) {
  return $api.useMutation('post', '/api/v1/partner-requests/open', options);
}

export function useAcceptPartnerRequest(
  options: ApiMutationOptions<'post', '/api/v1/partner-requests/{id}/accept'> = {},
) {
  const refetch = useRefetchPartners();
  return $api.useMutation('post', '/api/v1/partner-requests/{id}/accept', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

export function useDeclinePartnerRequest(
  options: ApiMutationOptions<'post', '/api/v1/partner-requests/{id}/decline'> = {},
) {
  const refetch = useRefetchPartners();
  return $api.useMutation('post', '/api/v1/partner-requests/{id}/decline', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

export function useWithdrawPartnerRequest(
  options: ApiMutationOptions<'post', '/api/v1/partner-requests/{id}/withdraw'> = {},
) {
  const refetch = useRefetchPartners();
  return $api.useMutation('post', '/api/v1/partner-requests/{id}/withdraw', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

export function useEndPartnership(options: ApiMutationOptions<'post', '/api/v1/partnerships/{id}/end'> = {}) {
  const refetch = useRefetchPartners();
  return $api.useMutation('post', '/api/v1/partnerships/{id}/end', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

export function useAcceptPartnerAccess(
  options: ApiMutationOptions<'post', '/api/v1/me/partner-access/{id}/accept'> = {},
) {
  const refetch = useRefetchPartners();
  return $api.useMutation('post', '/api/v1/me/partner-access/{id}/accept', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}
