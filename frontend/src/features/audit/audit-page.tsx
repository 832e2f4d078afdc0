import { Button, Code, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { AdminOnly } from '@/components/errors/admin-only';
import { FormError } from '@/components/forms/form-error';
import { formatDateTime } from '@/lib/format';

import { useAuditActions, useAuditActors, useAuditEvents, type AuditQuery } from './api/audit';

const PAGE_SIZE = 50;

type AuditAction = NonNullable<AuditQuery['action']>;

interface Filters {
  action: AuditAction | '';
  actorId: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { action: '', actorId: '', from: '', to: '' };

/** `yyyy-mm-dd` from a date input → an RFC 3339 instant (start of `from`, end of `to`). */
function toInstant(date: string, endOfDay: boolean): string | undefined {
  if (date === '') return undefined;
  const value = new Date(`${date}T${endOfDay ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
}

function toQuery(filters: Filters): AuditQuery {
  const from = toInstant(filters.from, false);
  const to = toInstant(filters.to, true);
  return {
    limit: PAGE_SIZE,
    ...(filters.action === '' ? {} : { action: filters.action }),
    ...(filters.actorId === '' ? {} : { actorId: filters.actorId }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

function AuditContent() {
  const { t, i18n } = useTranslation();
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const form = useForm({ initialValues: EMPTY });
  const users = useAuditActors();
  const actions = useAuditActions();
  const events = useAuditEvents(toQuery(filters));
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Stack>
      <Title order={1}>{t('audit.title')}</Title>
      <Paper withBorder p="md">
        <form
          onSubmit={form.onSubmit((values) => {
            setFilters(values);
          })}
        >
          <Group align="flex-end">
            <Select
              label={t('audit.filters.action')}
              placeholder={t('audit.filters.actionPlaceholder')}
              clearable
              searchable
              data={actions.data ?? []}
              value={form.values.action === '' ? null : form.values.action}
              onChange={(value) => {
                form.setFieldValue('action', value ?? '');
              }}
            />
            <Select
              label={t('audit.filters.actor')}
              placeholder={t('audit.filters.anyActor')}
              clearable
              searchable
              data={(users.data ?? []).map((user) => ({ value: user.id, label: `${user.name} <${user.email}>` }))}
              value={form.values.actorId === '' ? null : form.values.actorId}
              onChange={(value) => {
                form.setFieldValue('actorId', value ?? '');
              }}
            />
            <TextInput type="date" label={t('audit.filters.from')} {...form.getInputProps('from')} />
            <TextInput type="date" label={t('audit.filters.to')} {...form.getInputProps('to')} />
            <Button type="submit">{t('audit.filters.apply')}</Button>
            <Button
              variant="subtle"
              onClick={() => {
                form.setValues(EMPTY);
                setFilters(EMPTY);
              }}
            >
              {t('audit.filters.reset')}
            </Button>
          </Group>
        </form>
      </Paper>
      <FormError error={events.error} />
      {events.isSuccess && items.length === 0 && <Text c="dimmed">{t('audit.empty')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.columns.time')}</Table.Th>
                <Table.Th>{t('audit.columns.action')}</Table.Th>
                <Table.Th>{t('audit.columns.actor')}</Table.Th>
                <Table.Th>{t('audit.columns.target')}</Table.Th>
                <Table.Th>{t('audit.columns.ip')}</Table.Th>
                <Table.Th>{t('audit.columns.details')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((event) => (
                <Table.Tr key={event.id}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(event.createdAt, i18n.language)}</Table.Td>
                  <Table.Td>
                    <Code>{event.action}</Code>
                  </Table.Td>
                  <Table.Td>{event.actorEmail ?? t('audit.system')}</Table.Td>
                  <Table.Td>{event.targetType === null ? '—' : `${event.targetType} ${event.targetId ?? ''}`.trim()}</Table.Td>
                  <Table.Td>{event.ip ?? '—'}</Table.Td>
                  <Table.Td>
                    {Object.keys(event.details).length > 0 && (
                      <Code block fz="xs">
                        {JSON.stringify(event.details, null, 1)}
                      </Code>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {events.hasNextPage && (
        <Group>
          <Button variant="default" loading={events.isFetchingNextPage} onClick={() => void events.fetchNextPage()}>
            {t('audit.loadMore')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

export function AuditPage() {
  return (
    <AdminOnly>
      <AuditContent />
    </AdminOnly>
  );
}
