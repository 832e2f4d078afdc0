import { Alert, Badge, Button, Card, Group, Loader, Modal, SimpleGrid, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath, isApiError } from '@/api/errors';
import type { ReviewItem } from '@/api/types';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { useOperatorTranslations } from '@/lib/operator-translations';
import { CertificatesSection } from './certificates-section';

import { useApproveActivation, useRejectActivation, useReviewQueue } from './api/review';
import { formatAddress, identifierKindLabel } from './labels';
import { parseRegisterSnapshot } from './register-snapshot';

interface Row {
  label: string;
  entered: string;
  register: string | null;
}

function Comparison({ item }: { item: ReviewItem }) {
  const { t } = useTranslation();
  // The spec types the snapshot as an object, but it is null when the register was not consulted.
  const register = parseRegisterSnapshot(item.register);
  const rows: Row[] = [
    { label: t('organizations.fields.statutoryName'), entered: item.statutoryName, register: register?.name ?? null },
    {
      label: t('organizations.fields.tradeNames'),
      entered: item.tradeNames.join(', '),
      register: register === null ? null : register.tradeNames.join(', '),
    },
    { label: t('organizations.fields.address'), entered: formatAddress(item.address), register: register?.address ?? null },
    { label: t('organizations.identifierKinds.kvk'), entered: item.kvkNumber ?? '', register: register?.kvkNumber ?? null },
    { label: t('operator.legalForm'), entered: '', register: register?.legalForm ?? null },
  ];
  const differs = (row: Row) =>
    row.register !== null && row.entered !== '' && row.entered.trim().toLowerCase() !== row.register.trim().toLowerCase();
  return (
    <Table withTableBorder>
      <Table.Thead>
        <Table.Tr>
          <Table.Th />
          <Table.Th>{t('operator.entered')}</Table.Th>
          <Table.Th>{t('operator.register')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.label}>
            <Table.Th scope="row">{row.label}</Table.Th>
            <Table.Td>{row.entered === '' ? '—' : row.entered}</Table.Td>
            <Table.Td>
              {row.register ?? '—'}
              {differs(row) && (
                <Badge ml="xs" color="orange" variant="light">
                  {t('operator.differs')}
                </Badge>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function RejectDialog({ item, onClose }: { item: ReviewItem | null; onClose: () => void }) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: { note: '' },
    validate: { note: (value) => (value.trim() === '' ? t('operator.reasonRequired') : null) },
  });
  const reject = useRejectActivation({
    onSuccess: (result) => {
      notifySuccess(t('operator.rejected', { name: result.statutoryName }));
      form.reset();
      onClose();
    },
    onError: (error) => {
      form.setErrors(fieldErrorsByPath(error));
    },
  });
  return (
    <Modal opened={item !== null} onClose={onClose} title={t('operator.rejectTitle', { name: item?.statutoryName ?? '' })}>
      <form
        onSubmit={form.onSubmit((values) => {
          if (item !== null) {
            reject.mutate({ params: { path: { id: item.organizationId } }, body: { note: values.note.trim() } });
          }
        })}
        noValidate
      >
        <Stack>
          <Textarea
            label={t('operator.reason')}
            description={t('operator.reasonHelp')}
            required
            autosize
            minRows={3}
            data-autofocus
            {...form.getInputProps('note')}
          />
          {!isApiError(reject.error, 'validation_failed') && <FormError error={reject.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" color="red" loading={reject.isPending}>
              {t('operator.reject')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function RequestCard({ item, onReject }: { item: ReviewItem; onReject: (item: ReviewItem) => void }) {
  const { t, i18n } = useTranslation();
  const approve = useApproveActivation({
    onSuccess: (result) => {
      notifySuccess(t('operator.approved', { name: result.statutoryName }));
    },
  });
  const requested = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(item.requestedAt),
  );
  return (
    <Card withBorder component="article" aria-label={item.statutoryName}>
      <Stack>
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={2} size="h4">
              {item.statutoryName}
            </Title>
            <Text size="sm" c="dimmed">
              {t('operator.requestLine', { environment: item.environmentName, date: requested, country: item.country })}
            </Text>
          </div>
          <Group>
            <Button
              color="green"
              loading={approve.isPending}
              onClick={() => {
                approve.mutate({ params: { path: { id: item.organizationId } }, body: {} });
              }}
            >
              {t('operator.approve')}
            </Button>
            <Button
              color="red"
              variant="light"
              onClick={() => {
                onReject(item);
              }}
            >
              {t('operator.reject')}
            </Button>
          </Group>
        </Group>
        {parseRegisterSnapshot(item.register) === null && <Alert color="yellow">{t('operator.noRegister')}</Alert>}
        <Comparison item={item} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <div>
            <Text size="sm" fw={600}>
              {t('operator.contact')}
            </Text>
            <Text size="sm">
              {[item.contactName, item.contactEmail].filter((v) => v !== null && v !== undefined && v !== '').join(' · ') || '—'}
            </Text>
          </div>
          <div>
            <Text size="sm" fw={600}>
              {t('organizations.tabs.identifiers')}
            </Text>
            {item.identifiers.map((identifier) => (
              <Text size="sm" key={identifier.id}>
                {identifierKindLabel(t, identifier.kind)}: {identifier.participantId}
              </Text>
            ))}
          </div>
        </SimpleGrid>
        <FormError error={approve.error} />
      </Stack>
    </Card>
  );
}

/** Platform operators: the activation requests waiting for review. */
export function OperatorPage() {
  useOperatorTranslations();
  const { t } = useTranslation();
  const queue = useReviewQueue();
  const [rejecting, setRejecting] = useState<ReviewItem | null>(null);
  if (isApiError(queue.error) && queue.error.status === 404) return <NotFound />;
  return (
    <Stack>
      <Title order={1}>{t('operator.title')}</Title>
      <Text c="dimmed">{t('operator.intro')}</Text>
      {queue.isPending && <Loader size="sm" />}
      <FormError error={queue.error} />
      {queue.data?.length === 0 && <Text>{t('operator.empty')}</Text>}
      {queue.data?.map((item) => (
        <RequestCard key={item.organizationId} item={item} onReject={setRejecting} />
      ))}
      <RejectDialog
        item={rejecting}
        onClose={() => {
          setRejecting(null);
        }}
      />
      <CertificatesSection />
    </Stack>
  );
}
