import { Alert, Anchor, Button, Card, Group, Loader, Modal, SimpleGrid, Stack, Text, Textarea, TextInput, Timeline, Title } from '@mantine/core';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { errorMessage, isApiError } from '@/api/errors';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { formatDateTime, formatPrice } from '@/lib/format';

import {
  downloadDocument,
  useDeleteInvoice,
  useDocument,
  useDocumentEvents,
  useMarkOpened,
  useRendering,
  useResend,
  useRespond,
  useSetStatus,
} from './api/invoices';
import { DocumentLink } from './components/document-link';
import { PeppolExchanges } from './components/peppol-exchanges';
import { ClarificationsInput, RespondPanel } from './components/respond-panel';
import { ResponseBadge } from './components/response-badge';
import { StatusBadge } from './components/status-badge';
import { canMarkOriginal } from './labels';
import { INBOX_ACTIONS, type Box, type DocumentStatus, type InvoiceDocument, type ResponseCode } from './model';
import { respondBody, toClarifications, type ClarificationDraft } from './respond';
import { downloadFileName, saveBlob } from './save-blob';

type Lang = 'nl' | 'en';
const FILE_FORMATS = ['original', 'ubl', 'cii', 'pdf'] as const;

function Fact({ label, value }: { label: string; value: string | null | undefined }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" style={{ wordBreak: 'break-word' }}>
        {value === null || value === undefined || value === '' ? '—' : value}
      </Text>
    </div>
  );
}

function Facts({ document }: { document: InvoiceDocument }) {
  const { t, i18n } = useTranslation();
  const money = (amount: string | null | undefined) =>
    amount === null || amount === undefined ? null : formatPrice(amount, document.currency ?? 'EUR', i18n.language);
  const party = (p: InvoiceDocument['seller']) => [p.name, p.endpoint].filter(Boolean).join(' — ');
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('invoices.facts')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
        <Fact label={t('invoices.trackingId')} value={document.id} />
        <Fact label={t('invoices.seller')} value={party(document.seller)} />
        <Fact label={t('invoices.buyer')} value={party(document.buyer)} />
        <Fact label={t('invoices.issueDate')} value={document.issueDate} />
        <Fact label={t('invoices.dueDate')} value={document.dueDate} />
        <Fact label={t('invoices.buyerReference')} value={document.buyerReference} />
        <Fact label={t('invoices.total')} value={money(document.totalAmount)} />
        <Fact label={t('invoices.payable')} value={money(document.payableAmount)} />
        <Fact label={t('invoices.channelLabel')} value={document.channel ? t(`invoices.channel.${document.channel}`) : null} />
        <Fact label={t('invoices.receiverId')} value={document.receiverId} />
        <Fact label={t('invoices.format')} value={document.syntax.toUpperCase()} />
        <Fact label={t('invoices.received')} value={formatDateTime(document.createdAt, i18n.language)} />
        <Fact
          label={t('invoices.response.last')}
          value={document.response ? `${document.response.toUpperCase()} — ${t(`invoices.response.code.${document.response}`)}` : null}
        />
      </SimpleGrid>
    </Card>
  );
}

function History({ box, partyId, id }: { box: Box; partyId: string; id: string }) {
  const { t, i18n } = useTranslation();
  const events = useDocumentEvents(box, partyId, id);
  const items = events.data?.items ?? [];
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('invoices.history')}
      </Title>
      {events.isPending && <Loader size="sm" />}
      <FormError error={events.error} />
      {events.isSuccess && items.length === 0 && <Text>{t('invoices.noHistory')}</Text>}
      {items.length > 0 && (
        <Timeline bulletSize={14} lineWidth={2}>
          {items.map((event) => (
            <Timeline.Item key={event.id} title={t(`invoices.events.${event.event}`)}>
              <Text size="xs" c="dimmed">
                {[
                  formatDateTime(event.createdAt, i18n.language),
                  t(`invoices.status.${event.status}`),
                  event.channel ? t(`invoices.channel.${event.channel}`) : null,
                  event.attempt === null || event.attempt === undefined
                    ? null
                    : t('invoices.attempt', { attempt: event.attempt }),
                  event.actorEmail,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </Text>
              {event.details && <Text size="sm">{event.details}</Text>}
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </Card>
  );
}

function Downloads({ box, document }: { box: Box; document: InvoiceDocument }) {
  const { t, i18n } = useTranslation();
  const [busy, setBusy] = useState<string | null>(null);
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('invoices.downloads')}
      </Title>
      {document.purged ? (
        <Text size="sm">{t('invoices.purged')}</Text>
      ) : (
        <Group gap="xs">
          {FILE_FORMATS.map((format) => (
            <Button
              key={format}
              variant="default"
              size="xs"
              loading={busy === format}
              onClick={() => {
                setBusy(format);
                downloadDocument(box, document.partyId, document.id, format, i18n.language as Lang)
                  .then((blob) => {
                    saveBlob(blob, downloadFileName(document.number ?? document.id, format, document.contentType));
                  })
                  .catch((error: unknown) => {
                    notifyError(errorMessage(error, t));
                  })
                  .finally(() => {
                    setBusy(null);
                  });
              }}
            >
              {t(`invoices.downloadAs.${format}`)}
            </Button>
          ))}
        </Group>
      )}
    </Card>
  );
}

function Rendering({ box, document }: { box: Box; document: InvoiceDocument }) {
  const { t, i18n } = useTranslation();
  const lang: Lang = i18n.language === 'nl' ? 'nl' : 'en';
  const rendering = useRendering(box, document.partyId, document.id, lang, !document.purged);
  if (document.purged) return null;
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('invoices.rendering')}
      </Title>
      {rendering.isPending && <Loader size="sm" />}
      <FormError error={rendering.error} />
      {typeof rendering.data === 'string' && (
        // An empty sandbox: the rendering is self-contained and runs no script.
        <iframe
          sandbox=""
          srcDoc={rendering.data}
          title={t('invoices.renderingTitle', { number: document.number ?? document.id })}
          style={{ width: '100%', height: 720, border: '1px solid var(--mantine-color-gray-3)', background: 'white' }}
        />
      )}
    </Card>
  );
}

function ResendCard({ document }: { document: InvoiceDocument }) {
  const { t } = useTranslation();
  const [receiverId, setReceiverId] = useState('');
  const resend = useResend({
    onSuccess: () => {
      notifySuccess(t('invoices.resend.done'));
      setReceiverId('');
    },
  });
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('invoices.resend.title')}
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const receiver = receiverId.trim();
          resend.mutate({
            params: { path: { partyId: document.partyId, id: document.id } },
            body: receiver === '' ? {} : { receiverId: receiver },
          });
        }}
      >
        <Stack gap="xs">
          <TextInput
            label={t('invoices.resend.receiverId')}
            description={t('invoices.resend.receiverIdHint')}
            value={receiverId}
            onChange={(event) => {
              setReceiverId(event.currentTarget.value);
            }}
            maw={360}
          />
          <FormError error={resend.error} />
          <Group>
            <Button type="submit" loading={resend.isPending}>
              {t('invoices.resend.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** The quick answers: Approve and Paid send AP and PD; Reject asks for a reason and sends RE. */
const QUICK_RESPONSES = { approved: 'ap', paid: 'pd', rejected: 're' } as const satisfies Partial<
  Record<DocumentStatus, ResponseCode>
>;

function InboxActions({ document }: { document: InvoiceDocument }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [reasons, setReasons] = useState<ClarificationDraft[]>([{ code: null, text: '' }]);
  const done = () => {
    notifySuccess(t('invoices.actions.done'));
    setNote('');
  };
  const setStatus = useSetStatus({ onSuccess: done });
  const respond = useRespond({
    onSuccess: () => {
      done();
      setRejecting(false);
      setReasons([{ code: null, text: '' }]);
    },
  });
  const remove = useDeleteInvoice({
    onSuccess: async () => {
      notifySuccess(t('invoices.actions.deleted'));
      await navigate({ to: '/inbox' });
    },
  });
  const path = { partyId: document.partyId, id: document.id };
  const busy = setStatus.isPending || respond.isPending;
  const apply = (status: DocumentStatus) => {
    const text = note.trim();
    setStatus.mutate({ params: { path }, body: text === '' ? { status } : { status, note: text } });
  };
  const answer = (code: ResponseCode, withReasons: ClarificationDraft[] = []) => {
    respond.mutate({ params: { path }, body: respondBody(code, withReasons, [], note) });
  };
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('invoices.actions.title')}
      </Title>
      <Stack gap="xs">
        <Textarea
          label={t('invoices.actions.note')}
          description={t('invoices.actions.noteHint')}
          value={note}
          maxLength={1000}
          rows={2}
          onChange={(event) => {
            setNote(event.currentTarget.value);
          }}
        />
        <FormError error={setStatus.error ?? (rejecting ? null : respond.error)} />
        <Group gap="xs">
          {INBOX_ACTIONS.map((status) => (
            <Button
              key={status}
              variant={document.status === status ? 'filled' : 'default'}
              color={status === 'rejected' ? 'red' : undefined}
              disabled={busy}
              onClick={() => {
                if (status === 'under_review') apply(status);
                else if (status === 'rejected') setRejecting(true);
                else answer(QUICK_RESPONSES[status]);
              }}
            >
              {t(`invoices.actions.${status}`)}
            </Button>
          ))}
          {canMarkOriginal(document.status) && (
            <Button
              variant="default"
              disabled={busy}
              onClick={() => {
                apply('received');
              }}
            >
              {t('invoices.actions.markOriginal')}
            </Button>
          )}
          <Button
            color="red"
            variant="subtle"
            onClick={() => {
              setConfirming(true);
            }}
          >
            {t('invoices.actions.delete')}
          </Button>
        </Group>
      </Stack>
      <Modal
        opened={rejecting}
        onClose={() => {
          setRejecting(false);
        }}
        title={t('invoices.actions.rejectTitle')}
        size="lg"
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            answer('re', reasons);
          }}
        >
          <Stack>
            <Text size="sm">{t('invoices.actions.rejectText')}</Text>
            <ClarificationsInput kind="reason" value={reasons} onChange={setReasons} />
            <FormError error={respond.error} />
            <Group justify="flex-end">
              <Button
                variant="default"
                onClick={() => {
                  setRejecting(false);
                }}
              >
                {t('common.cancel')}
              </Button>
              <Button type="submit" color="red" loading={respond.isPending} disabled={toClarifications(reasons).length === 0}>
                {t('invoices.actions.rejectSubmit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <Modal
        opened={confirming}
        onClose={() => {
          setConfirming(false);
        }}
        title={t('invoices.actions.deleteTitle')}
      >
        <Stack>
          <Text>{t('invoices.actions.deleteText')}</Text>
          <FormError error={remove.error} />
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => {
                setConfirming(false);
              }}
            >
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() => {
                remove.mutate({ params: { path } });
              }}
            >
              {t('invoices.actions.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

/** Tells the server once per page visit that a person opened this inbox document. */
function useOpenedOnce(box: Box, document: InvoiceDocument | undefined) {
  const opened = useMarkOpened();
  const sent = useRef<string | null>(null);
  const { mutate } = opened;
  useEffect(() => {
    if (box !== 'inbox' || document === undefined || sent.current === document.id) return;
    sent.current = document.id;
    mutate({ params: { path: { partyId: document.partyId, id: document.id } } });
  }, [box, document, mutate]);
}

/** One outbox or inbox document: facts, rendering, history, downloads and what a person can do. */
export function DocumentPage({ box }: { box: Box }) {
  const { t } = useTranslation();
  const params = useParams({ strict: false });
  const partyId = params.partyId ?? '';
  const id = params.documentId ?? '';
  const document = useDocument(box, partyId, id);
  useOpenedOnce(box, document.data);
  if (isApiError(document.error) && (document.error.status === 404 || document.error.status === 400)) return <NotFound />;
  const data = document.data;
  return (
    <Stack>
      <Anchor component={Link} to={box === 'outbox' ? '/outbox' : '/inbox'} size="sm">
        {t('invoices.back')}
      </Anchor>
      {document.isPending && <Loader size="sm" />}
      <FormError error={document.error} />
      {data !== undefined && (
        <>
          <Group justify="space-between">
            <Title order={1}>{data.number ?? t('invoices.unnamed')}</Title>
            <Group gap="xs">
              <ResponseBadge code={data.response} size="md" />
              <StatusBadge status={data.status} />
            </Group>
          </Group>
          {data.possibleDuplicateOf && (
            <Alert color="yellow">
              {t('invoices.possibleDuplicate')}{' '}
              <DocumentLink box={box} partyId={data.partyId} documentId={data.possibleDuplicateOf}>
                {t('invoices.showOriginal')}
              </DocumentLink>
            </Alert>
          )}
          <Facts document={data} />
          {box === 'outbox' ? (
            <ResendCard document={data} />
          ) : (
            <>
              <InboxActions document={data} />
              <RespondPanel document={data} />
            </>
          )}
          <Downloads box={box} document={data} />
          <Rendering box={box} document={data} />
          {data.channel === 'peppol' && <PeppolExchanges box={box} partyId={data.partyId} id={data.id} />}
          <History box={box} partyId={data.partyId} id={data.id} />
        </>
      )}
    </Stack>
  );
}

export function OutboxDocumentPage() {
  return <DocumentPage box="outbox" />;
}

export function InboxDocumentPage() {
  return <DocumentPage box="inbox" />;
}
