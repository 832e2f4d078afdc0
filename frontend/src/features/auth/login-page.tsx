import { Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { PublicLayout } from '@/components/layouts/public-layout';

import { LoginForm } from './components/login-form';

export function LoginPage() {
  const { t } = useTranslation();
  return (
    <PublicLayout>
      <Paper withBorder shadow="sm" p="xl" radius="md">
        <Stack gap="lg">
          <div>
            <Title order={1} size="h2">
              {t('auth.login.title')}
            </Title>
            <Text c="dimmed" size="sm">
              {t('auth.login.subtitle')}
            </Text>
          </div>
          <LoginForm />
        </Stack>
      </Paper>
    </PublicLayout>
  );
}
