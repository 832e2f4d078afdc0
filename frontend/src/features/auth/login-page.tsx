import './login-styles';

import { Anchor, Group, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { AuthCard } from '@/components/layouts/auth-card';

import { LoginForm } from './components/login-form';

export function LoginPage() {
  const { t } = useTranslation();
  return (
    <AuthCard title={t('auth.login.title')} subtitle={t('auth.login.subtitle')}>
      <LoginForm />
      <Group justify="space-between" gap="xs">
        <Anchor component={Link} to="/forgot-password" size="sm">
          {t('auth.login.forgotPassword')}
        </Anchor>
        <Text size="sm">
          {t('auth.login.noAccount')}{' '}
          <Anchor component={Link} to="/register">
            {t('auth.login.register')}
          </Anchor>
        </Text>
      </Group>
    </AuthCard>
  );
}
