import { Anchor, Button, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { formatPrice } from '@/lib/format';

import { useDocuments, type BoxQuery } from './api/invoices';
import { DocumentLink } from './components/document-link';
import { PartyPicker } from './components/party-picker';
import { ResponseBadge } from './components/response-badge';
import { StatusBadge } from './components/status-badge';
import { BOX_STATUSES, CHANNELS, type Box, type Channel, type DocumentStatus, type InvoiceDocument } from './model';
import { periodQuery } from './period';
import { useChosenParty } from './use-party';

function formatDate(value: string | null | undefined, language: string): string {
  if (value === null || value === undefined) return '—';
  const date = new Date(`${value}T00:00:00`);
  return Number.isNaN(date.getTime()) ? value : new Intl.DateTimeFormat(language, { dateStyle: 'medium' }).format(date);
}

function DocumentRow({ box, document }: { box: Box; document: InvoiceDocument }) {
  const { t, i18n } = useTranslation();
  const other = box === 'outbox' ? document.buyer : document.seller;
  const amount = document.payableAmount ?? document.totalAmount;
  const number = document.number ?? t('invoices.unnamed');
  return (
    <Table.Tr>
      <Table.Td>
        <DocumentLink box={box} partyId={document.partyId} documentId={document.id} label={t('invoices.open', { number })}>
          {number}
        </DocumentLink>
      </Table.Td>
      <Table.Td>{other.name ?? other.endpoint ?? '—'}</Table.Td>
      <Table.Td ta="right">
        {amount === null || amount === undefined ? '—' : formatPrice(amount, document.currency ?? 'EUR', i18n.language)}
      </Table.Td>
      <Table.Td>{formatDate(document.issueDate, i18n.language)}</Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <StatusBadge status={document.status} />
          <ResponseBadge code={document.response} size="xs" />
        </Group>
      </Table.Td>
      <Table.Td>{document.channel ? t(`invoices.channel.${document.channel}`) : '—'}</Table.Td>
    </Table.Tr>
  );
}

/** A party's outbox (sales invoices) or inbox (purchase invoices): filters, table, load more. */
export function DocumentsPage({ box }: { box: Box }) {
  const { t } = useTranslation();
  const { parties, query: partiesQuery, partyId, setPartyId } = useChosenParty(
    (party) => party.permissions.includes('view') || (box === 'outbox' ? party.send : party.receive),
  );
  const [search, setSearch] = useState('');
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);
  const [status, setStatus] = useState<DocumentStatus | null>(null);
  const [channel, setChannel] = useState<Channel | null>(null);
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const filters: BoxQuery = {
    ...(debouncedSearch === '' ? {} : { search: debouncedSearch }),
    ...(status === null ? {} : { status }),
    ...(channel === null ? {} : { channel }),
    ...periodQuery(from, until),
  };
  const documents = useDocuments(box, partyId, filters);
  const items = documents.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = debouncedSearch !== '' || status !== null || channel !== null || from !== '' || until !== '';

  return (
    <Stack>
      <Title order={1}>{t(box === 'outbox' ? 'invoices.outboxTitle' : 'invoices.inboxTitle')}</Title>
      <Text c="dimmed">{t(box === 'outbox' ? 'invoices.outboxIntro' : 'invoices.inboxIntro')}</Text>
      {partiesQuery.isPending && <Loader size="sm" />}
      <FormError error={partiesQuery.error} />
      {partiesQuery.isSuccess && parties.length === 0 && (
        <Stack gap="xs" align="flex-start">
          <Text>{t('invoices.noParties')}</Text>
          <Anchor component={Link} to="/organizations">
            {t('invoices.toOrganizations')}
          </Anchor>
        </Stack>
      )}
      {parties.length > 0 && (
        <>
          {parties.length > 1 && <PartyPicker parties={parties} value={partyId} onChange={setPartyId} />}
          <Group align="flex-end">
            <TextInput
              label={t('invoices.search')}
              placeholder={t('invoices.searchPlaceholder')}
              value={search}
              maxLength={200}
              onChange={(event) => {
                setSearch(event.currentTarget.value);
              }}
            />
            <Select
              label={t('invoices.statusFilter')}
              placeholder={t('invoices.allStatuses')}
              clearable
              data={BOX_STATUSES[box].map((value) => ({ value, label: t(`invoices.status.${value}`) }))}
              value={status}
              onChange={(value) => {
                setStatus(value);
              }}
            />
            <Select
              label={t('invoices.channelLabel')}
              placeholder={t('invoices.allChannels')}
              clearable
              data={CHANNELS.map((value) => ({ value, label: t(`invoices.channel.${value}`) }))}
              value={channel}
              onChange={(value) => {
                setChannel(value);
              }}
            />
            <TextInput
              type="date"
              label={t('invoices.from')}
              value={from}
              max={until === '' ? undefined : until}
              onChange={(event) => {
                setFrom(event.currentTarget.value);
              }}
            />
            <TextInput
              type="date"
              label={t('invoices.until')}
              value={until}
              min={from === '' ? undefined : from}
              onChange={(event) => {
                setUntil(event.currentTarget.value);
              }}
            />
          </Group>
          <FormError error={documents.error} />
          {documents.isPending && partyId !== undefined && <Loader size="sm" />}
          {documents.isSuccess && items.length === 0 && (
            <Text>{filtered ? t('invoices.noMatches') : t('invoices.empty')}</Text>
          )}
          {items.length > 0 && (
            <Table withTableBorder striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('invoices.number')}</Table.Th>
                  <Table.Th>{t(box === 'outbox' ? 'invoices.buyer' : 'invoices.seller')}</Table.Th>
                  <Table.Th ta="right">{t('invoices.amount')}</Table.Th>
                  <Table.Th>{t('invoices.issueDate')}</Table.Th>
                  <Table.Th>{t('invoices.statusFilter')}</Table.Th>
                  <Table.Th>{t('invoices.channelLabel')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((document) => (
                  <DocumentRow key={document.id} box={box} document={document} />
                ))}
              </Table.Tbody>
            </Table>
          )}
          {documents.hasNextPage && (
            <Group>
              <Button
                variant="default"
                loading={documents.isFetchingNextPage}
                onClick={() => {
                  void documents.fetchNextPage();
                }}
              >
                {t('invoices.loadMore')}
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}

export function OutboxPage() {
  return <DocumentsPage box="outbox" />;
}

export function InboxPage() {
  return <DocumentsPage box="inbox" />;
}
