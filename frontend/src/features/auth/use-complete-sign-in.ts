import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import type { LoginResponse } from '@/api/types';
import { auth } from '@/lib/auth';
import { takeReturnTo } from '@/lib/return-to';

/**
 * After a sign-in answer: start the session, switch to the user's language, and go on: to
 * `to`, else to the page remembered before a registration (an emailed link), else home.
 */
export function useCompleteSignIn() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { i18n } = useTranslation();
  return async (response: LoginResponse, to?: string) => {
    const remembered = takeReturnTo();
    queryClient.clear();
    auth.signIn(response);
    await i18n.changeLanguage(response.user.language);
    await navigate({ to: to ?? remembered ?? '/' });
  };
}
