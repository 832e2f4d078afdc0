import { getRouteApi } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { bareClient } from '@/api/bare-client';
import { call } from '@/api/errors';

import { TokenAction } from './components/token-action';
import { useCompleteSignIn } from './use-complete-sign-in';

const route = getRouteApi('/verify-email');

/** `/verify-email?token=`: confirms the address, which creates the environment and signs in. */
export function VerifyEmailPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const completeSignIn = useCompleteSignIn();
  return (
    <TokenAction
      token={token}
      title={t('auth.verifyEmail.title')}
      busy={t('auth.verifyEmail.verifying')}
      failedTitle={t('auth.verifyEmail.failedTitle')}
      action={(value) =>
        call(bareClient.POST('/api/v1/auth/verify-email', { credentials: 'same-origin', body: { token: value } }))
      }
      onSuccess={(response) => completeSignIn(response)}
    />
  );
}
