import { Anchor, Badge, Card, Group, Loader, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { formatDateTime } from '@/lib/format';

import { useEnvironment, useFailures, useMyParties, usePartyDocuments } from './api/dashboard';
import { BarChart } from './bar-chart';
import {
  DASHBOARD_DAYS,
  isStatus,
  lastDays,
  perDay,
  periodStart,
  SERIES_COLORS,
  type GroupBy,
  type InvoiceDocument,
  type Party,
} from './stats';

const ALL = 'all';

function DayChart({
  title,
  documents,
  days,
  groupBy,
}: {
  title: string;
  documents: readonly InvoiceDocument[];
  days: readonly string[];
  groupBy: GroupBy;
}) {
  const { t, i18n } = useTranslation();
  const labels = useMemo(() => {
    const format = new Intl.DateTimeFormat(i18n.language, { day: 'numeric', month: 'short' });
    return days.map((day) => format.format(new Date(`${day}T00:00:00`)));
  }, [days, i18n.language]);
  const series = useMemo(
    () =>
      perDay(documents, days, groupBy).map((s) => ({
        ...s,
        name: isStatus(s.key)
          ? t(`invoices.status.${s.key}`)
          : s.key === 'none'
            ? t('dashboard.notRouted')
            : t(`invoices.channel.${s.key}`),
        color: SERIES_COLORS[s.key],
      })),
    [documents, days, groupBy, t],
  );
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Text fw={600} aria-label={t('dashboard.total', { title, count: documents.length })}>
          {documents.length}
        </Text>
      </Group>
      {documents.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('dashboard.none')}
        </Text>
      ) : (
        <BarChart label={t('dashboard.chartLabel', { title, count: documents.length })} labels={labels} series={series} />
      )}
    </Card>
  );
}

function Failures({ partyIds }: { partyIds: readonly string[] }) {
  const { t, i18n } = useTranslation();
  const failures = useFailures(partyIds);
  const items = failures.data ?? [];
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        {t('dashboard.failures')}
      </Title>
      {failures.isPending && partyIds.length > 0 && <Loader size="sm" />}
      <FormError error={failures.error} />
      {(failures.isSuccess || partyIds.length === 0) && items.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('dashboard.noFailures')}
        </Text>
      )}
      {items.length > 0 && (
        <Table>
          <Table.Tbody>
            {items.map((document) => {
              const number = document.number ?? t('invoices.unnamed');
              return (
                <Table.Tr key={document.id}>
                  <Table.Td>
                    <Anchor
                      aria-label={t('invoices.open', { number })}
                      renderRoot={(props) => (
                        <Link
                          to="/outbox/$partyId/$documentId"
                          params={{ partyId: document.partyId, documentId: document.id }}
                          {...props}
                        />
                      )}
                    >
                      {number}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{document.buyer.name ?? document.buyer.endpoint ?? '—'}</Table.Td>
                  <Table.Td>{formatDateTime(document.updatedAt, i18n.language)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

function OnOff({ on }: { on: boolean }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={on ? 'green' : 'gray'}>
      {t(on ? 'dashboard.on' : 'dashboard.off')}
    </Badge>
  );
}

function Receiving({ parties }: { parties: readonly Party[] }) {
  const { t } = useTranslation();
  const environment = useEnvironment();
  return (
    <Card withBorder component="section" aria-label={t('dashboard.receiving')}>
      <Title order={2} size="h4" mb="xs">
        {t('dashboard.receiving')}
      </Title>
      <Stack gap="xs">
        {environment.data !== undefined && (
          <Group justify="space-between">
            <Text size="sm">{t('dashboard.receivingEnvironment')}</Text>
            <OnOff on={environment.data.receiving.enabled} />
          </Group>
        )}
        {parties.map((party) => (
          <Group key={party.partyId} justify="space-between" wrap="nowrap">
            <Text size="sm">
              {party.organizationName} ({party.partyId})
            </Text>
            <OnOff on={party.receive} />
          </Group>
        ))}
        {environment.data?.receiving.enabled === false && (
          <Anchor component={Link} to="/environment" size="sm">
            {t('dashboard.toEnvironment')}
          </Anchor>
        )}
      </Stack>
    </Card>
  );
}

/** The environment at a glance: traffic of the last 30 days, what failed, whether receiving is on. */
export function DashboardPage() {
  const { t } = useTranslation();
  const parties = useMyParties();
  const [scope, setScope] = useState<string>(ALL);
  const [groupBy, setGroupBy] = useState<GroupBy>('status');
  // Fixed for the page visit, so the queries keep their keys.
  const [{ days, from }] = useState(() => ({ days: lastDays(DASHBOARD_DAYS), from: periodStart(DASHBOARD_DAYS) }));
  const all = useMemo(() => parties.data ?? [], [parties.data]);
  const shown = scope === ALL ? all : all.filter((party) => party.partyId === scope);
  const partyIds = useMemo(() => all.map((party) => party.partyId), [all]);
  const documents = usePartyDocuments(partyIds, from);
  const { sent, received } = useMemo(() => {
    const boxes = shown.flatMap((party) => {
      const box = documents.data?.get(party.partyId);
      return box === undefined ? [] : [box];
    });
    return { sent: boxes.flatMap((box) => box.outbox), received: boxes.flatMap((box) => box.inbox) };
  }, [shown, documents.data]);

  return (
    <Stack>
      <Title order={1}>{t('dashboard.title')}</Title>
      <Text>{t('dashboard.welcome')}</Text>
      {parties.isPending && <Loader size="sm" />}
      <FormError error={parties.error ?? documents.error} />
      {parties.isSuccess && all.length === 0 && (
        <Stack gap="xs" align="flex-start">
          <Text>{t('invoices.noParties')}</Text>
          <Anchor component={Link} to="/organizations">
            {t('invoices.toOrganizations')}
          </Anchor>
        </Stack>
      )}
      {all.length > 0 && (
        <>
          <Group align="flex-end">
            <Select
              label={t('dashboard.scope')}
              data={[
                { value: ALL, label: t('dashboard.wholeEnvironment') },
                ...all.map((party) => ({ value: party.partyId, label: `${party.organizationName} (${party.partyId})` })),
              ]}
              value={scope}
              allowDeselect={false}
              onChange={(value) => {
                if (value !== null) setScope(value);
              }}
              w={380}
            />
            <SegmentedControl
              aria-label={t('dashboard.groupBy')}
              data={[
                { value: 'status', label: t('dashboard.byStatus') },
                { value: 'channel', label: t('dashboard.byChannel') },
              ]}
              value={groupBy}
              onChange={(value) => {
                setGroupBy(value === 'channel' ? 'channel' : 'status');
              }}
            />
          </Group>
          <Text size="sm" c="dimmed">
            {t('dashboard.period', { days: DASHBOARD_DAYS })}
          </Text>
          {documents.isPending ? (
            <Loader size="sm" />
          ) : (
            <SimpleGrid cols={{ base: 1, lg: 2 }}>
              <DayChart title={t('dashboard.sent')} documents={sent} days={days} groupBy={groupBy} />
              <DayChart title={t('dashboard.received')} documents={received} days={days} groupBy={groupBy} />
            </SimpleGrid>
          )}
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <Failures partyIds={shown.map((party) => party.partyId)} />
            <Receiving parties={shown} />
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
