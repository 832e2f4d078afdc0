import { Badge, Button, Group, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { fetchClient } from '@/api/client';
import { call, errorMessage } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { formatDateTime } from '@/lib/format';
import { sessionStore } from '@/lib/session';

import { Section } from './section';

const SESSIONS_KEY = ['me', 'sessions'];

export function SessionsSection() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const sessions = useQuery({ queryKey: SESSIONS_KEY, queryFn: () => call(fetchClient.GET('/api/v1/me/sessions')) });
  const revoke = useMutation({
    mutationFn: (id: string) => call(fetchClient.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      notifySuccess(t('profile.sessions.revoked'));
      return queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });
  const signOutAll = useMutation({
    mutationFn: () => call(fetchClient.POST('/api/v1/auth/logout-all')),
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
                          loading={revoke.isPending && revoke.variables === session.id}
                          onClick={() => { revoke.mutate(session.id); }}
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
