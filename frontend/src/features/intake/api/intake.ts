import { useQueryClient } from '@tanstack/react-query';

import { $publicApi } from '@/api/bare-client';
import { $api, withCache, type ApiMutationOptions } from '@/api/client';

const byId = (id: string) => ({ params: { path: { id } } });

/** Keys of what the intake screens cache. */
export const intakeKeys = {
  senders: (id: string) => $api.queryOptions('get', '/api/v1/organizations/{id}/trusted-senders', byId(id)).queryKey,
};

export function useIntake(organizationId: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/intake', byId(organizationId));
}

/** Sends sales invoices by email on at once, or keeps them as drafts. */
export function useSetIntakePreferences(options: ApiMutationOptions<'put', '/api/v1/organizations/{id}/intake'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('put', '/api/v1/organizations/{id}/intake', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (data, { params }) => {
        queryClient.setQueryData(
          $api.queryOptions('get', '/api/v1/organizations/{id}/intake', byId(params.path.id)).queryKey,
          data,
        );
      },
    }),
  });
}

/** One page of the intake log; `before` is the cursor of the page before. */
export function useIntakeMessages(organizationId: string, before: string | undefined) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/intake/messages', {
    params: { path: { id: organizationId }, query: before === undefined ? {} : { before } },
  });
}

export function useIntakeMessage(organizationId: string, messageId: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/intake/messages/{messageId}', {
    params: { path: { id: organizationId, messageId } },
  });
}

export function useTrustedSenders(organizationId: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}/trusted-senders', byId(organizationId), {
    select: (page) => page.items,
  });
}

function useRefetchSenders() {
  const queryClient = useQueryClient();
  return (id: string) => queryClient.invalidateQueries({ queryKey: intakeKeys.senders(id) });
}

export function useAddTrustedSender(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/trusted-senders'> = {},
) {
  const refetch = useRefetchSenders();
  return $api.useMutation('post', '/api/v1/organizations/{id}/trusted-senders', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: (_data, { params }) => refetch(params.path.id) }),
  });
}

export function useInviteTrustedSender(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/trusted-senders/{senderId}/invite'> = {},
) {
  const refetch = useRefetchSenders();
  return $api.useMutation('post', '/api/v1/organizations/{id}/trusted-senders/{senderId}/invite', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: (_data, { params }) => refetch(params.path.id) }),
  });
}

export function useSetTrustedSenderStatus(
  options: ApiMutationOptions<'put', '/api/v1/organizations/{id}/trusted-senders/{senderId}/status'> = {},
) {
  const refetch = useRefetchSenders();
  return $api.useMutation('put', '/api/v1/organizations/{id}/trusted-senders/{senderId}/status', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: (_data, { params }) => refetch(params.path.id) }),
  });
}

export function useRemoveTrustedSender(
  options: ApiMutationOptions<'delete', '/api/v1/organizations/{id}/trusted-senders/{senderId}'> = {},
) {
  const refetch = useRefetchSenders();
  return $api.useMutation('delete', '/api/v1/organizations/{id}/trusted-senders/{senderId}', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: (_data, { params }) => refetch(params.path.id) }),
  });
}

/** The link in the invitation (no session). */
export function useConfirmTrustedSender(options: ApiMutationOptions<'post', '/api/v1/trusted-senders/confirm'> = {}) {
  return $publicApi.useMutation('post', '/api/v1/trusted-senders/confirm', options);
}

/** The organization the intake belongs to (the same cached call as its own page). */
export function useOrganization(organizationId: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}', byId(organizationId));
}
