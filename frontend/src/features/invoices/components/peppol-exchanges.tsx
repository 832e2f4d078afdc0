import { Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { errorMessage } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { notifyError } from '@/components/forms/notify';
import { formatDateTime } from '@/lib/format';

import {
  downloadEvidence,
  evidenceFileName,
  usePeppolExchanges,
  type PeppolEvidencePart,
  type PeppolExchange,
} from '../api/peppol-evidence';
import type { Box } from '../model';
import { saveBlob } from '../save-blob';

function Downloads({ box, partyId, id, exchange }: { box: Box; partyId: string; id: string; exchange: PeppolExchange }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<PeppolEvidencePart | null>(null);
  if (!exchange.held) return <Text size="sm">{t('peppolEvidence.purged')}</Text>;
  const parts: PeppolEvidencePart[] = exchange.ublSha256 ? ['message', 'receipt', 'ubl'] : ['message', 'receipt'];
  return (
    <Group gap="xs">
      {parts.map((part) => (
        <Button
          key={part}
          variant="default"
          size="xs"
          loading={busy === part}
          onClick={() => {
            setBusy(part);
            downloadEvidence(box, partyId, id, exchange.id, part)
              .then((blob) => {
                saveBlob(blob, evidenceFileName(exchange.id, part));
              })
              .catch((error: unknown) => {
                notifyError(errorMessage(error, t));
              })
              .finally(() => {
                setBusy(null);
              });
          }}
        >
          {t(`peppolEvidence.download.${signalPart(exchange, part)}`)}
        </Button>
      ))}
    </Group>
  );
}

/** A refused message's signal is the ebMS error, not a receipt. */
function signalPart(exchange: PeppolExchange, part: PeppolEvidencePart): PeppolEvidencePart | 'refusal' {
  return part === 'receipt' && exchange.refusal != null ? 'refusal' : part;
}

function Hash({ label, value }: { label: string; value: string }) {
  return (
    <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
      {label}: sha256:{value}
    </Text>
  );
}

/** The AS4 exchanges of a document: who sent to whom, when the receipt came, and the evidence. */
export function PeppolExchanges({ box, partyId, id }: { box: Box; partyId: string; id: string }) {
  const { t, i18n } = useTranslation();
  const exchanges = usePeppolExchanges(box, partyId, id);
  const items = exchanges.data?.items ?? [];
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('peppolEvidence.title')}
      </Title>
      {exchanges.isPending && <Loader size="sm" />}
      <FormError error={exchanges.error} />
      {exchanges.isSuccess && items.length === 0 && <Text size="sm">{t('peppolEvidence.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('peppolEvidence.direction')}</Table.Th>
                <Table.Th>{t('peppolEvidence.message')}</Table.Th>
                <Table.Th>{t('peppolEvidence.receiptAt')}</Table.Th>
                <Table.Th>{t('peppolEvidence.evidence')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((exchange) => (
                <Table.Tr key={exchange.id}>
                  <Table.Td>{t(`peppolEvidence.directions.${exchange.direction}`)}</Table.Td>
                  <Table.Td>
                    <Stack gap={2}>
                      <Text size="sm" style={{ wordBreak: 'break-all' }}>
                        {exchange.messageId}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {t('peppolEvidence.accessPoints', {
                          from: exchange.sendingAccessPoint,
                          to: exchange.receivingAccessPoint,
                        })}
                      </Text>
                      {exchange.refusal != null && (
                        <Badge color="red" variant="light" style={{ textTransform: 'none' }}>
                          {t('peppolEvidence.refused', { reason: exchange.refusal })}
                        </Badge>
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>{formatDateTime(exchange.receiptAt, i18n.language)}</Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      <Hash label={t('peppolEvidence.download.message')} value={exchange.messageSha256} />
                      <Hash
                        label={t(`peppolEvidence.download.${signalPart(exchange, 'receipt')}`)}
                        value={exchange.receiptSha256}
                      />
                      {exchange.ublSha256 && <Hash label={t('peppolEvidence.download.ubl')} value={exchange.ublSha256} />}
                      <Downloads box={box} partyId={partyId} id={id} exchange={exchange} />
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}
