import { getRouteApi } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { useVerifyEmail } from './api/auth';
import { TokenAction } from './components/token-action';
import { useCompleteSignIn } from './use-complete-sign-in';

const route = getRouteApi('/verify-email');

/** `/verify-email?token=`: confirms the address, which creates the environment and signs in. */
export function VerifyEmailPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const completeSignIn = useCompleteSignIn();
  const verify = useVerifyEmail({ onSuccess: (response) => completeSignIn(response) });
  return (
    <TokenAction
      token={token}
      title={t('auth.verifyEmail.title')}
      busy={t('auth.verifyEmail.verifying')}
      failedTitle={t('auth.verifyEmail.failedTitle')}
      start={(value) => {
        verify.mutate({ credentials: 'same-origin', body: { token: value } });
      }}
      result={verify}
    />
  );
}
