import { Anchor, Loader, Stack, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { AuthCard } from '@/components/layouts/auth-card';

export interface TokenActionProps {
  token: string | undefined;
  title: string;
  busy: string;
  failedTitle: string;
  /** Spends the token: called once when the page opens. */
  start: (token: string) => void;
  /** The state of the call that `start` made. */
  result: { isError: boolean; isSuccess: boolean; error: unknown };
  /** What to show after success (when the page stays). */
  done?: ReactNode;
}

/** A page that spends an emailed token once on load (verify email, verify an extra address). */
export function TokenAction({ token, title, busy, failedTitle, start, result, done }: TokenActionProps) {
  const { t } = useTranslation();
  const started = useRef(false);

  useEffect(() => {
    // Once only (StrictMode runs effects twice; the token can be spent once).
    if (token === undefined || started.current) return;
    started.current = true;
    start(token);
  }, [token, start]);

  if (token === undefined || result.isError) {
    return (
      <AuthCard title={failedTitle}>
        {token === undefined ? <Text role="alert">{t('common.missingToken')}</Text> : <FormError error={result.error} />}
        <Anchor component={Link} to="/login" size="sm">
          {t('common.toLogin')}
        </Anchor>
      </AuthCard>
    );
  }
  if (result.isSuccess && done !== undefined) return <AuthCard title={title}>{done}</AuthCard>;
  return (
    <AuthCard title={title}>
      <Stack align="center" role="status">
        <Loader />
        <Text>{busy}</Text>
      </Stack>
    </AuthCard>
  );
}
