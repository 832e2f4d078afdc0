import { Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

import { fetchClient } from '@/api/client';
import { call, errorMessage } from '@/api/errors';
import type { EmailApproval } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { formatDateTime } from '@/lib/format';

const APPROVALS_KEY = ['users', 'email-approvals'];

/** Additional addresses of users that wait for an Administrator's approval. */
export function EmailApprovals() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const approvals = useQuery({
    queryKey: APPROVALS_KEY,
    queryFn: () => call(fetchClient.GET('/api/v1/users/email-approvals')),
  });
  const decide = useMutation({
    mutationFn: ({ approval, approve }: { approval: EmailApproval; approve: boolean }) => {
      const params = { params: { path: { id: approval.id } } };
      return approve
        ? call(fetchClient.POST('/api/v1/users/email-approvals/{id}/approve', params))
        : call(fetchClient.POST('/api/v1/users/email-approvals/{id}/reject', params));
    },
    onSuccess: (_result, { approval, approve }) => {
      notifySuccess(t(approve ? 'users.approvals.approved' : 'users.approvals.rejected', { email: approval.email }));
      return queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });
  return (
    <Paper withBorder p="lg" component="section" aria-label={t('users.approvals.title')}>
      <Stack>
        <Title order={2} size="h3">
          {t('users.approvals.title')}
        </Title>
        <FormError error={approvals.error} />
        {approvals.data?.length === 0 && <Text c="dimmed">{t('users.approvals.empty')}</Text>}
        {approvals.data !== undefined && approvals.data.length > 0 && (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('users.approvals.user')}</Table.Th>
                <Table.Th>{t('users.approvals.email')}</Table.Th>
                <Table.Th>{t('users.approvals.requested')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {approvals.data.map((approval) => (
                <Table.Tr key={approval.id}>
                  <Table.Td>{approval.userName}</Table.Td>
                  <Table.Td>{approval.email}</Table.Td>
                  <Table.Td>{formatDateTime(approval.createdAt, i18n.language)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" justify="flex-end">
                      <Button size="xs" onClick={() => { decide.mutate({ approval, approve: true }); }}>
                        {t('users.approvals.approve')}
                      </Button>
                      <Button size="xs" variant="light" color="red" onClick={() => { decide.mutate({ approval, approve: false }); }}>
                        {t('users.approvals.reject')}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}
