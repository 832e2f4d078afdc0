import { Alert, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { getRouteApi } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { errorMessage } from '@/api/errors';
import { PublicLayout } from '@/components/layouts/public-layout';
import { formatDateTime, formatPrice } from '@/lib/format';
import { useAppTranslations } from '@/lib/app-translations';

import { downloadShared, useSharedInvoice } from './api/shared';
import type { DownloadFormat } from './model';
import { downloadFileName, saveBlob } from './save-blob';

const route = getRouteApi('/shared-invoice');

function SharedInvoice({ token }: { token: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'nl' ? 'nl' : 'en';
  const shared = useSharedInvoice(token);
  const [busy, setBusy] = useState<DownloadFormat | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  // Kept with its language: after a language switch the old rendering is not shown.
  const [rendering, setRendering] = useState<{ lang: string; html: string } | null>(null);
  const html = rendering?.lang === lang ? rendering.html : null;

  if (shared.isPending) return <Loader size="sm" />;
  if (shared.isError) return <Alert color="red" role="alert">{t('invoices.shared.invalid')}</Alert>;
  const document = shared.data.document;
  const amount = document.payableAmount ?? document.totalAmount;
  const fetchForm = (format: DownloadFormat, then: (blob: Blob) => Promise<void> | void) => {
    setBusy(format);
    setFailure(null);
    downloadShared(token, format, lang)
      .then(then)
      .catch((error: unknown) => {
        setFailure(errorMessage(error, t));
      })
      .finally(() => {
        setBusy(null);
      });
  };
  return (
    <Stack>
      <Title order={1}>
        {t('invoices.shared.title')} {document.number ?? ''}
      </Title>
      <Card withBorder>
        <Stack gap={4}>
          <Text>
            <Text span c="dimmed">
              {t('invoices.shared.from')}:{' '}
            </Text>
            {document.seller.name ?? document.seller.endpoint ?? '—'}
          </Text>
          <Text>
            <Text span c="dimmed">
              {t('invoices.number')}:{' '}
            </Text>
            {document.number ?? '—'}
          </Text>
          <Text>
            <Text span c="dimmed">
              {t('invoices.amount')}:{' '}
            </Text>
            {amount === null || amount === undefined ? '—' : formatPrice(amount, document.currency ?? 'EUR', i18n.language)}
          </Text>
          <Text size="xs" c="dimmed">
            {t('invoices.shared.expires', { date: formatDateTime(shared.data.expiresAt, i18n.language) })}
          </Text>
        </Stack>
      </Card>
      <Group gap="xs">
        <Button
          variant="default"
          loading={busy === 'original'}
          onClick={() => {
            fetchForm('original', (blob) => {
              saveBlob(blob, downloadFileName(document.number ?? 'invoice', 'original', document.contentType));
            });
          }}
        >
          {t('invoices.shared.downloadXml')}
        </Button>
        <Button
          variant="default"
          loading={busy === 'pdf'}
          onClick={() => {
            fetchForm('pdf', (blob) => {
              saveBlob(blob, downloadFileName(document.number ?? 'invoice', 'pdf'));
            });
          }}
        >
          {t('invoices.shared.downloadPdf')}
        </Button>
        <Button
          loading={busy === 'html'}
          onClick={() => {
            fetchForm('html', async (blob) => {
              setRendering({ lang, html: await blob.text() });
            });
          }}
        >
          {t('invoices.shared.show')}
        </Button>
      </Group>
      {failure !== null && (
        <Alert color="red" role="alert">
          {failure}
        </Alert>
      )}
      {html !== null && (
        // An empty sandbox: the rendering is self-contained and runs no script.
        <iframe
          sandbox=""
          srcDoc={html}
          title={t('invoices.renderingTitle', { number: document.number ?? '' })}
          style={{ width: '100%', height: 720, border: '1px solid var(--mantine-color-gray-3)', background: 'white' }}
        />
      )}
    </Stack>
  );
}

/** `/shared-invoice?token=`: the invoice behind the link in an invoice email, without signing in. */
export function SharedInvoicePage() {
  useAppTranslations();
  const { t } = useTranslation();
  const { token } = route.useSearch();
  return (
    <PublicLayout size="lg">
      {token === undefined ? (
        <Alert color="red" role="alert">
          {t('common.missingToken')}
        </Alert>
      ) : (
        <SharedInvoice token={token} />
      )}
    </PublicLayout>
  );
}
