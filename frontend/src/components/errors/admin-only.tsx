import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

import { useCurrentUser } from '@/lib/session';

/** Renders its children for Administrators only (the server enforces it too). */
export function AdminOnly({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const user = useCurrentUser();
  if (user.role !== 'administrator') {
    return (
      <Alert color="yellow" title={t('errors.forbidden.title')} role="alert">
        {t('errors.forbidden.description')}
      </Alert>
    );
  }
  return children;
}
