import { Alert, Anchor, Button, Card, FileButton, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { isApiError } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';

import { useSendInvoice, useValidateFile } from './api/invoices';
import { DocumentLink } from './components/document-link';
import { FindingsList } from './components/findings-list';
import { PartyPicker } from './components/party-picker';
import { useChosenParty } from './use-party';
import { newUuid } from './uuid';

/** Send page: choose a file, see it validated right away, then send it from the chosen party. */
export function SendPage() {
  const { t } = useTranslation();
  const { parties, query: partiesQuery, partyId, setPartyId } = useChosenParty((party) => party.send);
  const [file, setFile] = useState<File | null>(null);
  // One key per upload: pressing Send twice (or a retry) sends the document once.
  const [idempotencyKey, setIdempotencyKey] = useState(() => newUuid());
  const validate = useValidateFile();
  const send = useSendInvoice();
  const [dragging, setDragging] = useState(false);

  const choose = (next: File | null) => {
    if (next === null) return;
    setFile(next);
    setIdempotencyKey(newUuid());
    send.reset();
    validate.mutate(next);
  };
  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files.item(0));
  };

  const rejected = isApiError(send.error, 'invalid_document') ? send.error.body?.report : null;
  const existing = isApiError(send.error, 'document_exists') ? send.error.body?.documentId : null;

  return (
    <Stack>
      <Title order={1}>{t('invoices.send.title')}</Title>
      <Text c="dimmed">{t('invoices.send.intro')}</Text>
      {partiesQuery.isPending && <Loader size="sm" />}
      <FormError error={partiesQuery.error} />
      {partiesQuery.isSuccess && parties.length === 0 && (
        <Stack gap="xs" align="flex-start">
          <Text>{t('invoices.send.noSendingParty')}</Text>
          <Anchor component={Link} to="/organizations">
            {t('invoices.toOrganizations')}
          </Anchor>
        </Stack>
      )}
      {parties.length > 0 && partyId !== undefined && (
        <>
          <PartyPicker parties={parties} value={partyId} onChange={setPartyId} label={t('invoices.send.from')} />
          {send.data === undefined ? (
            <>
              <Card
                withBorder
                p="xl"
                onDragOver={(event) => {
                  event.preventDefault();
                  setDragging(true);
                }}
                onDragLeave={() => {
                  setDragging(false);
                }}
                onDrop={onDrop}
                style={{ borderStyle: 'dashed', background: dragging ? 'var(--mantine-color-blue-0)' : undefined }}
              >
                <Stack align="center" gap="xs">
                  <Text>{t('invoices.send.drop')}</Text>
                  <FileButton onChange={choose} accept=".xml,.pdf,application/xml,text/xml,application/pdf">
                    {(props) => (
                      <Button variant="default" {...props}>
                        {t('invoices.send.choose')}
                      </Button>
                    )}
                  </FileButton>
                  {file !== null && (
                    <Text size="sm" c="dimmed">
                      {t('invoices.send.file')}: {file.name}
                    </Text>
                  )}
                </Stack>
              </Card>
              {validate.isPending && (
                <Group gap="xs">
                  <Loader size="xs" />
                  <Text size="sm">{t('invoices.send.validating')}</Text>
                </Group>
              )}
              <FormError error={validate.error} />
              {validate.isSuccess && (
                <>
                  <Alert color={validate.data.valid ? 'green' : 'red'}>
                    {validate.data.valid ? t('invoices.send.valid') : t('invoices.send.invalid')}
                  </Alert>
                  {validate.data.findings.length > 0 && <FindingsList findings={validate.data.findings} />}
                </>
              )}
              {existing !== null && existing !== undefined ? (
                <Alert color="yellow" role="alert">
                  {t('invoices.send.exists')}{' '}
                  <DocumentLink box="outbox" partyId={partyId} documentId={existing}>
                    {t('invoices.send.viewExisting')}
                  </DocumentLink>
                </Alert>
              ) : (
                <FormError error={send.error} />
              )}
              {rejected !== null && rejected !== undefined && <FindingsList findings={rejected.findings} />}
              <Group>
                <Button
                  disabled={file === null || !validate.isSuccess || !validate.data.valid}
                  loading={send.isPending}
                  onClick={() => {
                    if (file !== null) send.mutate({ partyId, file, idempotencyKey });
                  }}
                >
                  {t('invoices.send.submit')}
                </Button>
              </Group>
            </>
          ) : (
            <Alert color="green" title={t('invoices.send.sent')}>
              <Stack gap="xs">
                <Text ff="monospace">{t('invoices.send.trackingId', { id: send.data.documentId })}</Text>
                <Group>
                  <DocumentLink box="outbox" partyId={partyId} documentId={send.data.documentId}>
                    {t('invoices.send.view')}
                  </DocumentLink>
                  <Button
                    variant="subtle"
                    size="xs"
                    onClick={() => {
                      setFile(null);
                      validate.reset();
                      send.reset();
                    }}
                  >
                    {t('invoices.send.another')}
                  </Button>
                </Group>
                {send.data.possibleDuplicateOf && (
                  <Text size="sm">
                    {t('invoices.possibleDuplicate')}{' '}
                    <DocumentLink box="outbox" partyId={partyId} documentId={send.data.possibleDuplicateOf}>
                      {t('invoices.showOriginal')}
                    </DocumentLink>
                  </Text>
                )}
              </Stack>
            </Alert>
          )}
        </>
      )}
    </Stack>
  );
}
