import { AppShell, Button, Group, NavLink, Title } from '@mantine/core';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { LanguageSwitch } from '@/components/language/language-switch';
import { sessionStore } from '@/features/auth/session';

import { AppFooter } from './app-footer';

/** Layout of every authenticated page: header with language switch, navigation, footer. */
export function AppLayout() {
  const { t } = useTranslation();
  const navigate = useNavigate();

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm' }} footer={{ height: 44 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={2} size="h4">
            {t('app.name')}
          </Title>
          <Group gap="sm">
            <LanguageSwitch />
            <Button
              variant="subtle"
              size="xs"
              onClick={() => {
                sessionStore.clear();
                void navigate({ to: '/login' });
              }}
            >
              {t('auth.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <NavLink component={Link} to="/" label={t('nav.dashboard')} />
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
      <AppShell.Footer>
        <AppFooter />
      </AppShell.Footer>
    </AppShell>
  );
}
