import { Alert, Anchor } from '@mantine/core';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { useVerifyAdditionalEmail } from './api/auth';
import { TokenAction } from './components/token-action';

const route = getRouteApi('/verify-additional-email');

/** `/verify-additional-email?token=`: confirms an additional address (no session needed). */
export function VerifyAdditionalEmailPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const verify = useVerifyAdditionalEmail();
  return (
    <TokenAction
      token={token}
      title={t('auth.verifyAdditionalEmail.title')}
      busy={t('auth.verifyAdditionalEmail.verifying')}
      failedTitle={t('auth.verifyAdditionalEmail.failedTitle')}
      start={(value) => {
        verify.mutate({ body: { token: value } });
      }}
      result={verify}
      done={
        <>
          <Alert color="green" role="status" title={t('auth.verifyAdditionalEmail.doneTitle')}>
            {t('auth.verifyAdditionalEmail.done')}
          </Alert>
          <Anchor component={Link} to="/profile" size="sm">
            {t('auth.verifyAdditionalEmail.toProfile')}
          </Anchor>
        </>
      }
    />
  );
}
