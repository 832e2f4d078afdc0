import { Alert, Anchor, Loader, Text } from '@mantine/core';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { AuthCard } from '@/components/layouts/auth-card';
import { useAppTranslations } from '@/lib/app-translations';

import { useConfirmTrustedSender } from './api/intake';

const route = getRouteApi('/trusted-sender');

/** `/trusted-sender?token=`: the contact confirms a trusted sender (no account needed). */
export function ConfirmSenderPage() {
  useAppTranslations();
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const confirm = useConfirmTrustedSender();
  const { mutate } = confirm;
  const started = useRef(false);

  useEffect(() => {
    // Once only: StrictMode runs effects twice, and the link works once.
    if (token === undefined || started.current) return;
    started.current = true;
    mutate({ body: { token } });
  }, [token, mutate]);

  if (token === undefined || confirm.isError) {
    return (
      <AuthCard title={t('intake.confirm.failedTitle')}>
        {token === undefined ? <Text role="alert">{t('common.missingToken')}</Text> : <FormError error={confirm.error} />}
        <Anchor component={Link} to="/login" size="sm">
          {t('common.toLogin')}
        </Anchor>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t('intake.confirm.title')}>
      {confirm.isSuccess ? (
        <Alert color="green" role="status" title={t('intake.confirm.doneTitle')}>
          {t('intake.confirm.done', { value: confirm.data.value })}
        </Alert>
      ) : (
        <Text>
          <Loader size="xs" /> {t('intake.confirm.busy')}
        </Text>
      )}
    </AuthCard>
  );
}
