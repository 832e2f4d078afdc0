import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

export const userKeys = {
  list: $api.queryOptions('get', '/api/v1/users').queryKey,
  emailApprovals: $api.queryOptions('get', '/api/v1/users/email-approvals').queryKey,
};

/** The first page of users (the server's default size), as a list. */
export function useUsers() {
  return $api.useQuery('get', '/api/v1/users', undefined, { select: (page) => page.items });
}

/** Refetches the user list after a change to one of them. */
function useRefetchUsers() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: userKeys.list });
}

/** Invites a user (they join through an emailed link). */
export function useInviteUser(options: ApiMutationOptions<'post', '/api/v1/users/invitations'> = {}) {
  const refetch = useRefetchUsers();
  return $api.useMutation('post', '/api/v1/users/invitations', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

/** Adds a user directly (they get an email to set a password). */
export function useAddUser(options: ApiMutationOptions<'post', '/api/v1/users'> = {}) {
  const refetch = useRefetchUsers();
  return $api.useMutation('post', '/api/v1/users', { ...options, onSuccess: withCache(options.onSuccess, { refetch }) });
}

/** Changes a user's role or relationship manager flag. */
export function useUpdateUser(options: ApiMutationOptions<'patch', '/api/v1/users/{id}'> = {}) {
  const refetch = useRefetchUsers();
  return $api.useMutation('patch', '/api/v1/users/{id}', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

export function useRemoveUser(options: ApiMutationOptions<'delete', '/api/v1/users/{id}'> = {}) {
  const refetch = useRefetchUsers();
  return $api.useMutation('delete', '/api/v1/users/{id}', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch }),
  });
}

export type UserAction = 'resend' | 'withdraw' | 'deactivate' | 'reactivate';

interface UserActionCallbacks {
  onSuccess: (action: UserAction) => void;
  onError: (error: unknown) => void;
}

/** The user menu's actions, each followed by a refetch of the list. */
export function useUserActions({ onSuccess, onError }: UserActionCallbacks) {
  const refetch = useRefetchUsers();
  const options = (action: UserAction) => ({
    onSuccess: withCache(
      () => {
        onSuccess(action);
      },
      { refetch },
    ),
    onError,
  });
  return {
    resend: $api.useMutation('post', '/api/v1/users/{id}/invitation/resend', options('resend')),
    withdraw: $api.useMutation('delete', '/api/v1/users/{id}/invitation', options('withdraw')),
    deactivate: $api.useMutation('post', '/api/v1/users/{id}/deactivate', options('deactivate')),
    reactivate: $api.useMutation('post', '/api/v1/users/{id}/reactivate', options('reactivate')),
  };
}
