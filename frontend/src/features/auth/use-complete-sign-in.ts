import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import type { LoginResponse } from '@/api/types';
import { auth } from '@/lib/auth';

/** After a sign-in answer: start the session, switch to the user's language, and go on. */
export function useCompleteSignIn() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { i18n } = useTranslation();
  return async (response: LoginResponse, to = '/') => {
    queryClient.clear();
    auth.signIn(response);
    await i18n.changeLanguage(response.user.language);
    await navigate({ to });
  };
}
