import { Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { AdminOnly } from '@/components/errors/admin-only';
import { FormError } from '@/components/forms/form-error';
import { saveBlob } from '@/lib/save-blob';

import { downloadUsageCsv, useUsage } from './api/usage';

/** Euros in the reader's language: "€ 3,40" or "€3.40". */
function euros(amount: string, language: string): string {
  return new Intl.NumberFormat(language, { style: 'currency', currency: 'EUR' }).format(Number(amount));
}

function UsageContent() {
  const { t, i18n } = useTranslation();
  const usage = useUsage();
  const [downloadError, setDownloadError] = useState(false);
  const lines = usage.data?.lines ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t('usage.title')}</Title>
        <Button
          variant="light"
          onClick={() => {
            setDownloadError(false);
            downloadUsageCsv()
              .then((blob) => {
                saveBlob(blob, 'haven-usage.csv');
              })
              .catch(() => {
                setDownloadError(true);
              });
          }}
        >
          {t('usage.exportCsv')}
        </Button>
      </Group>
      <Text c="dimmed">{t('usage.intro')}</Text>
      {downloadError && <Text c="red">{t('usage.exportFailed')}</Text>}
      <FormError error={usage.error} />
      <Paper withBorder>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('usage.month')}</Table.Th>
              <Table.Th>{t('usage.organization')}</Table.Th>
              <Table.Th>{t('usage.kind')}</Table.Th>
              <Table.Th ta="right">{t('usage.count')}</Table.Th>
              <Table.Th ta="right">{t('usage.amount')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {lines.map((line) => (
              <Table.Tr key={`${line.month}-${line.organizationId}-${line.kind}`}>
                <Table.Td>{line.month}</Table.Td>
                <Table.Td>{line.organizationName}</Table.Td>
                <Table.Td>{t(`usage.kinds.${line.kind}`)}</Table.Td>
                <Table.Td ta="right">{line.count}</Table.Td>
                <Table.Td ta="right">{euros(line.amount, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
            {usage.isSuccess && lines.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="dimmed">{t('usage.empty')}</Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
          {usage.data && lines.length > 0 && (
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th colSpan={4}>{t('usage.total')}</Table.Th>
                <Table.Th ta="right">{euros(usage.data.total, i18n.language)}</Table.Th>
              </Table.Tr>
            </Table.Tfoot>
          )}
        </Table>
      </Paper>
    </Stack>
  );
}

/** Usage per month and organization, for Administrators. */
export function UsagePage() {
  return (
    <AdminOnly>
      <UsageContent />
    </AdminOnly>
  );
}
