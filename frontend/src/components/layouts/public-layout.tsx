import { Box, Container, Group, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

import { LanguageSwitch } from '@/components/language/language-switch';

import { AppFooter } from './app-footer';

/** Layout for pages reachable without a session (login). */
export function PublicLayout({ children, size = 420 }: { children: ReactNode; size?: number | string }) {
  const { t } = useTranslation();
  return (
    <Box mih="100vh" style={{ display: 'flex', flexDirection: 'column' }}>
      <Group component="header" justify="space-between" px="md" py="sm">
        <Title order={2} size="h4">
          {t('app.name')}
        </Title>
        <LanguageSwitch />
      </Group>
      <Container component="main" size={size} w="100%" py="xl" style={{ flex: 1 }}>
        {children}
      </Container>
      <AppFooter />
    </Box>
  );
}
