import { Badge, Button, Group, Loader, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { isApiError } from '@/api/errors';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';
import { saveBlob } from '@/lib/save-blob';
import { useOperatorTranslations } from '@/lib/operator-translations';

import type { components } from '@/api/generated/schema';

import {
  downloadReport,
  downloadReportEvidence,
  type EvidencePart,
  type ReportKind,
  useReportingMonths,
  useSendReports,
} from './api/peppol-reports';
import { IncomingRefusalsCard } from './incoming-refusals-card';
import { SmlCard } from './sml-card';

type Sending = components['schemas']['ReportSendingDto'];

const stateColor: Record<Sending['state'], string> = {
  not_sent: 'gray',
  pending: 'blue',
  sent: 'green',
  failed: 'red',
};

/** Where a report stands in being sent to OpenPeppol; a failure's reason on hover. */
function SendingBadge({ kind, sending }: { kind: ReportKind; sending: Sending }) {
  const { t } = useTranslation();
  const badge = (
    <Badge color={stateColor[sending.state]} variant="light">
      {kind.toUpperCase()}: {t(`peppolReportSending.states.${sending.state}`)}
    </Badge>
  );
  return sending.reason == null ? badge : <Tooltip label={sending.reason} multiline w={320}>{badge}</Tooltip>;
}

/** Sends a month that has ended whose reports are not both sent (nor on their way). */
function SendButton({ month, tsr, eusr, current }: { month: string; tsr: Sending; eusr: Sending; current: string }) {
  const { t } = useTranslation();
  const send = useSendReports();
  const states = [tsr.state, eusr.state];
  if (month >= current || states.every((s) => s === 'sent') || states.includes('pending')) return null;
  const again = states.includes('failed');
  return (
    <Stack gap={2}>
      <Button
        size="xs"
        variant="subtle"
        loading={send.isPending}
        aria-label={t('peppolReportSending.sendLabel', { month })}
        onClick={() => {
          send.mutate({ params: { path: { month } } });
        }}
      >
        {again ? t('peppolReportSending.sendAgain') : t('peppolReportSending.sendNow')}
      </Button>
      <FormError error={send.error} />
    </Stack>
  );
}

/** The current month (UTC), `YYYY-MM`: its reports are sent once it has ended. */
function currentMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

function DownloadButton({ month, kind, onError }: { month: string; kind: ReportKind; onError: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      size="xs"
      variant="light"
      loading={busy}
      aria-label={t('peppolReports.label', { kind: kind.toUpperCase(), month })}
      onClick={() => {
        setBusy(true);
        downloadReport(month, kind)
          .then((blob) => {
            saveBlob(blob, `${kind}-${month}.xml`);
          })
          .catch(onError)
          .finally(() => {
            setBusy(false);
          });
      }}
    >
      {kind.toUpperCase()}
    </Button>
  );
}

/** The evidence of a report's latest send (the message as posted and the signed answer), once there is any. */
function EvidenceButtons({ month, kind, sending, onError }: { month: string; kind: ReportKind; sending: Sending; onError: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<EvidencePart | null>(null);
  const parts: EvidencePart[] = [];
  if (sending.messageSha256 != null) parts.push('message');
  if (sending.receiptSha256 != null) parts.push('receipt');
  return (
    <>
      {parts.map((part) => (
        <Button
          key={part}
          size="xs"
          variant="subtle"
          loading={busy === part}
          aria-label={t(`peppolReportSending.evidence.${part}Label`, { kind: kind.toUpperCase(), month })}
          onClick={() => {
            setBusy(part);
            downloadReportEvidence(month, kind, part)
              .then((blob) => {
                saveBlob(blob, `${kind}-${month}-${part}.mime`);
              })
              .catch(onError)
              .finally(() => {
                setBusy(null);
              });
          }}
        >
          {t(`peppolReportSending.evidence.${part}`, { kind: kind.toUpperCase() })}
        </Button>
      ))}
    </>
  );
}

/** Platform operators: the monthly Peppol reports (TSR and EUSR), their downloads, and their sending to OpenPeppol. */
export function PeppolReportsPage() {
  useOperatorTranslations();
  const { t } = useTranslation();
  const months = useReportingMonths();
  const [downloadFailed, setDownloadFailed] = useState(false);
  const current = currentMonth();
  if (isApiError(months.error) && months.error.status === 404) return <NotFound />;
  const items = months.data?.items ?? [];
  const failed = () => {
    setDownloadFailed(true);
  };
  return (
    <Stack>
      <Title order={1}>{t('peppolReports.title')}</Title>
      <Text c="dimmed">{t('peppolReports.intro')}</Text>
      <Text c="dimmed">{t('peppolReportSending.intro')}</Text>
      {months.isPending && <Loader size="sm" />}
      <FormError error={months.error} />
      {downloadFailed && <Text c="red">{t('peppolReports.failed')}</Text>}
      {months.isSuccess && items.length === 0 && <Text>{t('peppolReports.empty')}</Text>}
      {items.length > 0 && (
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('peppolReports.month')}</Table.Th>
              <Table.Th>{t('peppolReports.incoming')}</Table.Th>
              <Table.Th>{t('peppolReports.outgoing')}</Table.Th>
              <Table.Th>{t('peppolReportSending.column')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((item) => (
              <Table.Tr key={item.month}>
                <Table.Td>{item.month}</Table.Td>
                <Table.Td>{item.incoming}</Table.Td>
                <Table.Td>{item.outgoing}</Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <SendingBadge kind="tsr" sending={item.tsr} />
                    <SendingBadge kind="eusr" sending={item.eusr} />
                    <SendButton month={item.month} tsr={item.tsr} eusr={item.eusr} current={current} />
                    <EvidenceButtons month={item.month} kind="tsr" sending={item.tsr} onError={failed} />
                    <EvidenceButtons month={item.month} kind="eusr" sending={item.eusr} onError={failed} />
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <DownloadButton month={item.month} kind="tsr" onError={failed} />
                    <DownloadButton month={item.month} kind="eusr" onError={failed} />
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <SmlCard />
      {months.isSuccess && <IncomingRefusalsCard />}
    </Stack>
  );
}
