import { $publicApi } from '@/api/bare-client';
import type { ApiMutationOptions } from '@/api/client';

// The account pages are used without a session: their calls go without the bearer token and
// its refresh (`$publicApi`). Calls that start a session set the refresh cookie, hence
// `credentials: 'same-origin'` in what the pages send.

export function useLogin(options: ApiMutationOptions<'post', '/api/v1/auth/login'> = {}) {
  return $publicApi.useMutation('post', '/api/v1/auth/login', options);
}

export function useRegister(options: ApiMutationOptions<'post', '/api/v1/auth/register'> = {}) {
  return $publicApi.useMutation('post', '/api/v1/auth/register', options);
}

export function useForgotPassword(options: ApiMutationOptions<'post', '/api/v1/auth/forgot-password'> = {}) {
  return $publicApi.useMutation('post', '/api/v1/auth/forgot-password', options);
}

export function useResetPassword(options: ApiMutationOptions<'post', '/api/v1/auth/reset-password'> = {}) {
  return $publicApi.useMutation('post', '/api/v1/auth/reset-password', options);
}

export function useVerifyEmail(options: ApiMutationOptions<'post', '/api/v1/auth/verify-email'> = {}) {
  return $publicApi.useMutation('post', '/api/v1/auth/verify-email', options);
}

export function useVerifyAdditionalEmail(
  options: ApiMutationOptions<'post', '/api/v1/auth/verify-additional-email'> = {},
) {
  return $publicApi.useMutation('post', '/api/v1/auth/verify-additional-email', options);
}

/** Who invited whom where; not retried (an invalid or expired token stays so). */
export function useInvitation(token: string) {
  return $publicApi.useQuery(
    'get',
    '/api/v1/auth/invitations/{token}',
    { params: { path: { token } } },
    { enabled: token !== '', retry: false },
  );
}

export function useAcceptInvitation(options: ApiMutationOptions<'post', '/api/v1/auth/accept-invitation'> = {}) {
  return $publicApi.useMutation('post', '/api/v1/auth/accept-invitation', options);
}
