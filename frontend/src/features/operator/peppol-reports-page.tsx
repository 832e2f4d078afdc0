import { Button, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { isApiError } from '@/api/errors';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';
import { saveBlob } from '@/lib/save-blob';
import { useOperatorTranslations } from '@/lib/operator-translations';

import { downloadReport, type ReportKind, useReportingMonths } from './api/peppol-reports';

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

/** Platform operators: the monthly Peppol reports (TSR and EUSR) to submit to OpenPeppol. */
export function PeppolReportsPage() {
  useOperatorTranslations();
  const { t } = useTranslation();
  const months = useReportingMonths();
  const [downloadFailed, setDownloadFailed] = useState(false);
  if (isApiError(months.error) && months.error.status === 404) return <NotFound />;
  const items = months.data?.items ?? [];
  const failed = () => {
    setDownloadFailed(true);
  };
  return (
    <Stack>
      <Title order={1}>{t('peppolReports.title')}</Title>
      <Text c="dimmed">{t('peppolReports.intro')}</Text>
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
                    <DownloadButton month={item.month} kind="tsr" onError={failed} />
                    <DownloadButton month={item.month} kind="eusr" onError={failed} />
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
