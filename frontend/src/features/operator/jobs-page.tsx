import { Badge, Button, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { isApiError } from '@/api/errors';
import type { Job } from '@/api/types';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { useOperatorTranslations } from '@/lib/operator-translations';

import { useDeadJobs, useRetryJob } from './api/jobs';

function JobRow({ job }: { job: Job }) {
  const { t, i18n } = useTranslation();
  const retry = useRetryJob({
    onSuccess: () => {
      notifySuccess(t('jobs.retried'));
    },
  });
  const finished =
    job.finishedAt === null || job.finishedAt === undefined
      ? '—'
      : new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(job.finishedAt));
  return (
    <Table.Tr>
      <Table.Td>
        <Badge variant="light">{t(`jobs.kinds.${job.kind}`)}</Badge>
      </Table.Td>
      <Table.Td>{finished}</Table.Td>
      <Table.Td>{t('jobs.attemptsOf', { attempts: job.attempts, max: job.maxAttempts })}</Table.Td>
      <Table.Td>
        <Text size="sm" style={{ wordBreak: 'break-word' }}>
          {job.lastError ?? '—'}
        </Text>
        <FormError error={retry.error} />
      </Table.Td>
      <Table.Td>
        <Button
          size="xs"
          loading={retry.isPending}
          aria-label={t('jobs.retryLabel', { id: job.id })}
          onClick={() => {
            retry.mutate({ params: { path: { id: job.id } } });
          }}
        >
          {t('jobs.retry')}
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}

/** Platform operators: background jobs that gave up, with a button to queue each again. */
export function JobsPage() {
  useOperatorTranslations();
  const { t } = useTranslation();
  const jobs = useDeadJobs();
  if (isApiError(jobs.error) && jobs.error.status === 404) return <NotFound />;
  const items = jobs.data?.items ?? [];
  return (
    <Stack>
      <Title order={1}>{t('jobs.title')}</Title>
      <Text c="dimmed">{t('jobs.intro')}</Text>
      {jobs.isPending && <Loader size="sm" />}
      <FormError error={jobs.error} />
      {jobs.isSuccess && items.length === 0 && <Text>{t('jobs.empty')}</Text>}
      {items.length > 0 && (
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('jobs.kind')}</Table.Th>
              <Table.Th>{t('jobs.diedAt')}</Table.Th>
              <Table.Th>{t('jobs.attempts')}</Table.Th>
              <Table.Th>{t('jobs.lastError')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((job) => (
              <JobRow key={job.id} job={job} />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
