import { Badge, Button, Group, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { errorMessage } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { formatDateTime } from '@/lib/format';
import { sessionStore } from '@/lib/session';

import { useMySessions, useRevokeSession, useSignOutEverywhere } from './api/sessions';
import { Section } from './section';

export function SessionsSection() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const sessions = useMySessions();
  const revoke = useRevokeSession({
    onSuccess: () => {
      notifySuccess(t('profile.sessions.revoked'));
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });
  const signOutAll = useSignOutEverywhere({
    onSuccess: async () => {
      sessionStore.clear();
      queryClient.clear();
      await navigate({ to: '/login' });
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });

  return (
    <Section title={t('profile.sessions.title')}>
      <FormError error={sessions.error} />
      {sessions.data?.length === 0 && <Text c="dimmed">{t('profile.sessions.empty')}</Text>}
      {sessions.data !== undefined && sessions.data.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('profile.sessions.device')}</Table.Th>
                <Table.Th>{t('profile.sessions.ip')}</Table.Th>
                <Table.Th>{t('profile.sessions.created')}</Table.Th>
                <Table.Th>{t('profile.sessions.lastSeen')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.data.map((session) => {
                const device = session.userAgent ?? t('profile.sessions.unknownDevice');
                return (
                  <Table.Tr key={session.id}>
                    <Table.Td>
                      <Text size="sm" lineClamp={2} title={device}>
                        {device}
                      </Text>
                    </Table.Td>
                    <Table.Td>{session.ip ?? '—'}</Table.Td>
                    <Table.Td>{formatDateTime(session.createdAt, i18n.language)}</Table.Td>
                    <Table.Td>{formatDateTime(session.lastSeenAt, i18n.language)}</Table.Td>
                    <Table.Td>
                      {session.current ? (
                        <Badge variant="light">{t('profile.sessions.current')}</Badge>
                      ) : (
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          aria-label={t('profile.sessions.revokeLabel', { device })}
                          loading={revoke.isPending && revoke.variables.params.path.id === session.id}
                          onClick={() => { revoke.mutate({ params: { path: { id: session.id } } }); }}
                        >
                          {t('profile.sessions.revoke')}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group>
        <Button variant="default" color="red" loading={signOutAll.isPending} onClick={() => { signOutAll.mutate(); }}>
          {t('profile.sessions.signOutAll')}
        </Button>
      </Group>
    </Section>
  );
}
