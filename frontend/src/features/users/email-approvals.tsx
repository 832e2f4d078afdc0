import { Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { errorMessage } from '@/api/errors';
import type { EmailApproval } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { formatDateTime } from '@/lib/format';

import { useApproveEmail, useEmailApprovals, useRejectEmail } from './api/email-approvals';

/** Additional addresses of users that wait for an Administrator's approval. */
export function EmailApprovals() {
  const { t, i18n } = useTranslation();
  const approvals = useEmailApprovals();
  // The address is in the list, not in the answer: remember it per request id.
  const emailOf = (id: string) => approvals.data?.find((approval) => approval.id === id)?.email ?? '';
  const onError = (error: unknown) => {
    notifyError(errorMessage(error, t));
  };
  const approve = useApproveEmail({
    onSuccess: (_result, { params }) => {
      notifySuccess(t('users.approvals.approved', { email: emailOf(params.path.id) }));
    },
    onError,
  });
  const reject = useRejectEmail({
    onSuccess: (_result, { params }) => {
      notifySuccess(t('users.approvals.rejected', { email: emailOf(params.path.id) }));
    },
    onError,
  });
  const decide = ({ approval, approved }: { approval: EmailApproval; approved: boolean }) => {
    (approved ? approve : reject).mutate({ params: { path: { id: approval.id } } });
  };
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
                      <Button size="xs" onClick={() => { decide({ approval, approved: true }); }}>
                        {t('users.approvals.approve')}
                      </Button>
                      <Button size="xs" variant="light" color="red" onClick={() => { decide({ approval, approved: false }); }}>
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
