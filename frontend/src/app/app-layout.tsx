import { AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

import { $api } from '@/api/client';
import { LanguageSwitch } from '@/components/language/language-switch';
import { AppFooter } from '@/components/layouts/app-footer';
import { ReceivingDecisionModal } from '@/features/setup/receiving-decision-modal';
import { useAppTranslations } from '@/lib/app-translations';
import { auth } from '@/lib/auth';
import { sessionStore, useCurrentUser } from '@/lib/session';

/** Layout of every authenticated page: header, navigation (admin pages for admins), footer. */
export function AppLayout() {
  useAppTranslations();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const user = useCurrentUser();
  const [opened, { toggle, close }] = useDisclosure();
  // Remembers a language switch on the account too (best effort: a failure changes nothing).
  const saveLanguage = $api.useMutation('patch', '/api/v1/me');
  const isAdmin = user.role === 'administrator';
  // From /me: asking an operator endpoint would cost everyone else a 404 on every page.
  const isOperator = user.platformOperator;

  // The app speaks the user's language (set at sign-in, and when changed in the profile).
  useEffect(() => {
    void i18n.changeLanguage(user.language);
  }, [i18n, user.language]);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      footer={{ height: 44 }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.main')} />
            <Title order={2} size="h4">
              {t('app.name')}
            </Title>
            <Text size="sm" c="dimmed" visibleFrom="sm">
              {user.environment.name}
            </Text>
          </Group>
          <Group gap="sm">
            <LanguageSwitch
              onChange={(language) => {
                sessionStore.updateUser((current) => ({ ...current, language }));
                saveLanguage.mutate({ body: { language } });
              }}
            />
            <Text size="sm" visibleFrom="sm">
              {user.name}
            </Text>
            <Button
              variant="subtle"
              size="xs"
              onClick={() => {
                void auth.signOut().then(() => {
                  queryClient.clear();
                  return navigate({ to: '/login' });
                });
              }}
            >
              {t('auth.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.main')} component="nav">
        <NavLink component={Link} to="/" label={t('nav.dashboard')} onClick={close} activeOptions={{ exact: true }} />
        <NavLink component={Link} to="/send" label={t('nav.send')} onClick={close} />
        <NavLink component={Link} to="/outbox" label={t('nav.outbox')} onClick={close} />
        <NavLink component={Link} to="/inbox" label={t('nav.inbox')} onClick={close} />
        <NavLink component={Link} to="/organizations" label={t('nav.organizations')} onClick={close} />
        <NavLink component={Link} to="/partners" label={t('nav.partners')} onClick={close} />
        <NavLink component={Link} to="/profile" label={t('nav.profile')} onClick={close} />
        {isAdmin && (
          <>
            <Text size="xs" c="dimmed" tt="uppercase" fw={700} px="sm" pt="md" pb={4}>
              {t('nav.administration')}
            </Text>
            <NavLink component={Link} to="/users" label={t('nav.users')} onClick={close} />
            <NavLink component={Link} to="/environment" label={t('nav.environment')} onClick={close} />
            <NavLink component={Link} to="/audit-log" label={t('nav.auditLog')} onClick={close} />
            <NavLink component={Link} to="/usage" label={t('nav.usage')} onClick={close} />
          </>
        )}
        {isOperator && (
          <>
            <Text size="xs" c="dimmed" tt="uppercase" fw={700} px="sm" pt="md" pb={4}>
              {t('nav.platform')}
            </Text>
            <NavLink component={Link} to="/operator" label={t('nav.operator')} onClick={close} />
            <NavLink component={Link} to="/operator/jobs" label={t('nav.jobs')} onClick={close} />
            <NavLink component={Link} to="/operator/peppol" label={t('nav.peppol')} onClick={close} />
          </>
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
        <ReceivingDecisionModal />
      </AppShell.Main>
      <AppShell.Footer>
        <AppFooter />
      </AppShell.Footer>
    </AppShell>
  );
}
