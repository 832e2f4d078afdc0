import { $api, withCache, type ApiMutationOptions } from '@/api/client';
import { sessionStore } from '@/lib/session';

/** Saves name, phone and language; the session takes the updated user. */
export function useUpdateMe(options: ApiMutationOptions<'patch', '/api/v1/me'> = {}) {
  return $api.useMutation('patch', '/api/v1/me', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (me) => {
        sessionStore.updateUser(() => me);
      },
    }),
  });
}

export function useChangePassword(options: ApiMutationOptions<'post', '/api/v1/me/password'> = {}) {
  return $api.useMutation('post', '/api/v1/me/password', options);
}

/** Starts enrolment: a new secret and its QR code. */
export function useTwoFactorSetup(options: ApiMutationOptions<'post', '/api/v1/me/two-factor/setup'> = {}) {
  return $api.useMutation('post', '/api/v1/me/two-factor/setup', options);
}

/** Confirms enrolment with a code; answers the recovery codes (shown once). */
export function useTwoFactorConfirm(options: ApiMutationOptions<'post', '/api/v1/me/two-factor/confirm'> = {}) {
  return $api.useMutation('post', '/api/v1/me/two-factor/confirm', options);
}

/** Turns 2FA off; the session's user follows. */
export function useTwoFactorDisable(options: ApiMutationOptions<'post', '/api/v1/me/two-factor/disable'> = {}) {
  return $api.useMutation('post', '/api/v1/me/two-factor/disable', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: () => {
        sessionStore.updateUser((current) => ({ ...current, twoFactorEnabled: false }));
      },
    }),
  });
}
