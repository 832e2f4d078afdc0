import './login-styles';

import { Alert, Anchor, Group, Text } from '@mantine/core';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { AuthCard } from '@/components/layouts/auth-card';
import { rememberReturnTo } from '@/lib/return-to';

import { LoginForm } from './components/login-form';

const route = getRouteApi('/login');

export function LoginPage() {
  const { t } = useTranslation();
  const { redirect } = route.useSearch();
  // An emailed authorisation request: someone new registers first and comes back to it.
  const partnerLink = redirect?.startsWith('/partners?') === true;
  return (
    <AuthCard title={t('auth.login.title')} subtitle={t('auth.login.subtitle')}>
      {partnerLink && <Alert color="blue">{t('auth.login.partnerRequest')}</Alert>}
      <LoginForm />
      <Group justify="space-between" gap="xs">
        <Anchor component={Link} to="/forgot-password" size="sm">
          {t('auth.login.forgotPassword')}
        </Anchor>
        <Text size="sm">
          {t('auth.login.noAccount')}{' '}
          <Anchor
            component={Link}
            to="/register"
            onClick={() => {
              if (redirect !== undefined) rememberReturnTo(redirect);
            }}
          >
            {t('auth.login.register')}
          </Anchor>
        </Text>
      </Group>
    </AuthCard>
  );
}
