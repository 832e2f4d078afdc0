import { Badge, Button, Card, Group, Loader, Select, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { saveBlob } from '@/lib/save-blob';

import { downloadRefusedMessage, type IncomingRefusal, type RefusalReason, useIncomingRefusals } from './api/incoming-refusals';

const reasons: RefusalReason[] = [
  'packaging',
  'authentication',
  'decryption',
  'security_policy',
  'decompression',
  'envelope',
  'not_serviced',
  'invalid_document',
  'rebuilt_message_id',
  'too_large',
];

/** Who sent it: the seat id, marked when the signature did not prove it. */
function Sender({ refusal }: { refusal: IncomingRefusal }) {
  const { t } = useTranslation();
  if (refusal.senderAccessPoint == null) return <Text size="sm">—</Text>;
  return (
    <Group gap={4} wrap="nowrap">
      <Text size="sm">{refusal.senderAccessPoint}</Text>
      {!refusal.senderVerified && (
        <Tooltip label={t('peppolRefusals.unverifiedHelp')} multiline w={280}>
          <Badge size="xs" color="orange" variant="light">
            {t('peppolRefusals.unverified')}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

function DownloadButton({ refusal, onError }: { refusal: IncomingRefusal; onError: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  if (!refusal.messageKept) return <Text size="sm" c="dimmed">{t('peppolRefusals.notKept')}</Text>;
  return (
    <Button
      size="xs"
      variant="light"
      loading={busy}
      aria-label={t('peppolRefusals.downloadLabel', { id: refusal.messageId ?? refusal.id })}
      onClick={() => {
        setBusy(true);
        downloadRefusedMessage(refusal.id)
          .then((blob) => {
            saveBlob(blob, `peppol-refused-${refusal.id}.mime`);
          })
          .catch(onError)
          .finally(() => {
            setBusy(false);
          });
      }}
    >
      {refusal.messageTruncated ? t('peppolRefusals.downloadStart') : t('peppolRefusals.download')}
    </Button>
  );
}

/** Platform operators: incoming AS4 messages that were refused, newest first, by reason. */
export function IncomingRefusalsCard() {
  const { t, i18n } = useTranslation();
  const [reason, setReason] = useState<RefusalReason | null>(null);
  const [downloadFailed, setDownloadFailed] = useState(false);
  const refusals = useIncomingRefusals(reason);
  const items = refusals.data?.pages.flatMap((page) => page.items) ?? [];
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });
  const failed = () => {
    setDownloadFailed(true);
  };
  return (
    <Card withBorder>
      <Stack>
        <Title order={2}>{t('peppolRefusals.title')}</Title>
        <Text c="dimmed">{t('peppolRefusals.intro')}</Text>
        <Select
          label={t('peppolRefusals.reason')}
          placeholder={t('peppolRefusals.allReasons')}
          clearable
          w={320}
          data={reasons.map((r) => ({ value: r, label: t(`peppolRefusals.reasons.${r}`) }))}
          value={reason}
          onChange={(value) => {
            setReason(reasons.find((r) => r === value) ?? null);
          }}
        />
        {refusals.isPending && <Loader size="sm" />}
        <FormError error={refusals.error} />
        {downloadFailed && <Text c="red">{t('peppolRefusals.downloadFailed')}</Text>}
        {refusals.isSuccess && items.length === 0 && <Text>{t('peppolRefusals.empty')}</Text>}
        {items.length > 0 && (
          <Table withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('peppolRefusals.when')}</Table.Th>
                <Table.Th>{t('peppolRefusals.reason')}</Table.Th>
                <Table.Th>{t('peppolRefusals.sender')}</Table.Th>
                <Table.Th>{t('peppolRefusals.messageId')}</Table.Th>
                <Table.Th>{t('peppolRefusals.answer')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((refusal) => (
                <Table.Tr key={refusal.id}>
                  <Table.Td>{date.format(new Date(refusal.refusedAt))}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{t(`peppolRefusals.reasons.${refusal.reason}`)}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Sender refusal={refusal} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ wordBreak: 'break-all' }}>
                      {refusal.messageId ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {[refusal.ebmsCode ?? t('peppolRefusals.receipt'), refusal.peppolCode].filter(Boolean).join(' ')}
                    </Text>
                    <Text size="sm" c="dimmed" style={{ wordBreak: 'break-word' }}>
                      {refusal.description}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <DownloadButton refusal={refusal} onError={failed} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {refusals.hasNextPage && (
          <Group>
            <Button variant="default" loading={refusals.isFetchingNextPage} onClick={() => void refusals.fetchNextPage()}>
              {t('peppolRefusals.loadMore')}
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
