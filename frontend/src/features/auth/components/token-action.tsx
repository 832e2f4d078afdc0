import { Anchor, Loader, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { AuthCard } from '@/components/layouts/auth-card';

export interface TokenActionProps<T> {
  token: string | undefined;
  title: string;
  busy: string;
  failedTitle: string;
  /** The call made once with the token when the page opens. */
  action: (token: string) => Promise<T>;
  onSuccess?: (result: T) => Promise<void> | void;
  /** What to show after success (when the page stays). */
  done?: ReactNode;
}

/** A page that spends an emailed token once on load (verify email, verify an extra address). */
export function TokenAction<T>({ token, title, busy, failedTitle, action, onSuccess, done }: TokenActionProps<T>) {
  const { t } = useTranslation();
  const mutation = useMutation({ mutationFn: action, onSuccess });
  const started = useRef(false);
  const { mutate } = mutation;

  useEffect(() => {
    // Once only (StrictMode runs effects twice; the token can be spent once).
    if (token === undefined || started.current) return;
    started.current = true;
    mutate(token);
  }, [token, mutate]);

  if (token === undefined || mutation.isError) {
    return (
      <AuthCard title={failedTitle}>
        {token === undefined ? <Text role="alert">{t('common.missingToken')}</Text> : <FormError error={mutation.error} />}
        <Anchor component={Link} to="/login" size="sm">
          {t('common.toLogin')}
        </Anchor>
      </AuthCard>
    );
  }
  if (mutation.isSuccess && done !== undefined) return <AuthCard title={title}>{done}</AuthCard>;
  return (
    <AuthCard title={title}>
      <Stack align="center" role="status">
        <Loader />
        <Text>{busy}</Text>
      </Stack>
    </AuthCard>
  );
}
