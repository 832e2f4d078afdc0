import { Anchor, Stack, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { AdminOnly } from '@/components/errors/admin-only';

import { HooksPanel } from './hooks-panel';

/** Environment → Webhooks: hooks that get every party's events (Administrators). */
export function EnvironmentHooksPage() {
  const { t } = useTranslation();
  return (
    <AdminOnly>
      <Stack>
        <Anchor size="sm" renderRoot={(props) => <Link to="/environment" {...props} />}>
          ← {t('nav.environment')}
        </Anchor>
        <Title order={1}>{t('hooks.environmentTitle')}</Title>
        <HooksPanel scope={{ kind: 'environment' }} canManage />
      </Stack>
    </AdminOnly>
  );
}
