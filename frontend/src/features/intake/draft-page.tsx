import { Alert, Anchor, Badge, Button, Grid, Group, List, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { Link, useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath, isApiError } from '@/api/errors';
import type { IntakeDraft, InvoiceFields, VatLine } from '@/api/types';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import { fetchDraftPdf, useCompleteDraft, useDiscardDraft, useDraft, useUpdateDraft } from './api/drafts';
import { DRAFT_STATUS_COLOR } from './labels';

type TextField = Exclude<keyof InvoiceFields, 'netTotal' | 'vatTotal' | 'payable' | 'vatBreakdown'>;
type AmountField = 'netTotal' | 'vatTotal' | 'payable';

const SELLER: TextField[] = [
  'sellerName',
  'sellerKvk',
  'sellerVat',
  'sellerStreet',
  'sellerPostalCode',
  'sellerCity',
  'sellerCountry',
];
const BUYER: TextField[] = ['buyerName', 'buyerKvk', 'buyerVat', 'buyerStreet', 'buyerPostalCode', 'buyerCity', 'buyerCountry'];
const INVOICE: TextField[] = ['invoiceNumber', 'issueDate', 'dueDate', 'currency', 'buyerReference', 'iban'];
const AMOUNTS: AmountField[] = ['netTotal', 'vatTotal', 'payable'];

/** Empty inputs are missing fields. */
const orNull = (value: string) => (value.trim() === '' ? null : value.trim());

/** Organization → Email intake → a draft: the PDF beside its editable fields. */
export function DraftPage() {
  const { t } = useTranslation();
  const { organizationId, draftId } = useParams({ from: '/app/organizations/$organizationId/intake/drafts/$draftId' });
  const draft = useDraft(organizationId, draftId);
  // Here rather than in the form: a save gives the draft a new `updatedAt`, which remounts the
  // form, and a mutation in it would be dropped with it (Complete saves first, then completes,
  // and its errors must stay on screen).
  const actions: DraftActions = {
    update: useUpdateDraft({
      onSuccess: () => {
        notifySuccess(t('intake.drafts.saved'));
      },
    }),
    complete: useCompleteDraft({
      onSuccess: () => {
        notifySuccess(t('intake.drafts.completed'));
      },
    }),
    discard: useDiscardDraft({
      onSuccess: () => {
        notifySuccess(t('intake.drafts.discarded'));
      },
    }),
  };
  if (isApiError(draft.error) && draft.error.status === 404) return <NotFound />;
  if (draft.isPending) return <Loader size="sm" />;
  if (draft.data === undefined) return <FormError error={draft.error} />;
  return (
    <Stack gap="lg">
      <Anchor
        size="sm"
        renderRoot={(props) => (
          <Link to="/organizations/$organizationId/intake" params={{ organizationId }} {...props} />
        )}
      >
        ← {t('intake.drafts.back')}
      </Anchor>
      <Group>
        <Title order={1}>{t('intake.drafts.heading', { file: draft.data.filename ?? 'PDF' })}</Title>
        <Badge color={DRAFT_STATUS_COLOR[draft.data.status]} variant="light">
          {t(`intake.drafts.statuses.${draft.data.status}`)}
        </Badge>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <PdfView organizationId={organizationId} draftId={draftId} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <DraftForm key={draft.data.updatedAt} organizationId={organizationId} draft={draft.data} actions={actions} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function PdfView({ organizationId, draftId }: { organizationId: string; draftId: string }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let objectUrl: string | null = null;
    let cancelled = false;
    fetchDraftPdf(organizationId, draftId)
      .then((blob) => {
        if (cancelled) return;
        objectUrl = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
        setUrl(objectUrl);
      })
      .catch(() => {
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
      if (objectUrl !== null) URL.revokeObjectURL(objectUrl);
    };
  }, [organizationId, draftId]);
  if (failed) return <Alert color="red">{t('intake.drafts.pdfFailed')}</Alert>;
  if (url === null) return <Loader size="sm" />;
  return <iframe title={t('intake.drafts.pdf')} src={url} style={{ width: '100%', height: '80vh', border: 0 }} />;
}

interface DraftActions {
  update: ReturnType<typeof useUpdateDraft>;
  complete: ReturnType<typeof useCompleteDraft>;
  discard: ReturnType<typeof useDiscardDraft>;
}

function DraftForm({ organizationId, draft, actions }: { organizationId: string; draft: IntakeDraft; actions: DraftActions }) {
  const { t } = useTranslation();
  const [fields, setFields] = useState<InvoiceFields>(draft.fields);
  const open = draft.status === 'open';
  // A valid invoice as mailed is sent as it is: its fields only describe it.
  const editable = open && !draft.fromInvoice;
  const params = { path: { id: organizationId, draftId: draft.id } };
  const { update, complete, discard } = actions;
  const failed = update.error ?? complete.error ?? discard.error;
  const errors = fieldErrorsByPath(failed);
  const invoiceProblems =
    isApiError(failed) && failed.status === 422
      ? (failed.body?.details ?? []).filter((d) => d.field === 'invoice').map((d) => d.message)
      : [];
  const set = (name: keyof InvoiceFields, value: string) => {
    setFields({ ...fields, [name]: orNull(value) });
  };
  const text = (name: TextField) => (
    <TextInput
      key={name}
      label={t(`intake.drafts.fields.${name}`)}
      value={fields[name] ?? ''}
      error={errors[name]}
      disabled={!editable}
      onChange={(e) => {
        set(name, e.currentTarget.value);
      }}
    />
  );
  const setLine = (index: number, line: Partial<VatLine>) => {
    const lines = fields.vatBreakdown;
    setFields({ ...fields, vatBreakdown: lines.map((l, i) => (i === index ? { ...l, ...line } : l)) });
  };
  const lines = fields.vatBreakdown;
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {draft.purpose === 'purchase' ? t('intake.drafts.purchaseNote') : t('intake.drafts.salesNote')}
      </Text>
      {!open && (
        <Alert color={DRAFT_STATUS_COLOR[draft.status]}>
          {t('intake.drafts.finished', { status: t(`intake.drafts.statuses.${draft.status}`).toLowerCase() })}
          {draft.documentId !== null && draft.documentId !== undefined && (
            <Text size="sm">
              {t('intake.drafts.viewDocument')}: <code>{draft.documentId}</code>
            </Text>
          )}
        </Alert>
      )}
      <Title order={2} size="h4">
        {t('intake.drafts.invoice')}
      </Title>
      {INVOICE.map(text)}
      <Title order={2} size="h4">
        {draft.purpose === 'purchase' ? t('intake.drafts.seller') : t('intake.drafts.buyer')}
      </Title>
      {(draft.purpose === 'purchase' ? SELLER : BUYER).map(text)}
      <Title order={2} size="h4">
        {t('intake.drafts.amounts')}
      </Title>
      {AMOUNTS.map((name) => (
        <TextInput
          key={name}
          label={t(`intake.drafts.fields.${name}`)}
          value={fields[name] ?? ''}
          error={errors[name]}
          disabled={!editable}
          inputMode="decimal"
          onChange={(e) => {
            set(name, e.currentTarget.value);
          }}
        />
      ))}
      <Title order={2} size="h4">
        {t('intake.drafts.vat')}
      </Title>
      {lines.map((line, index) => (
        // The lines have no identity of their own; their place is it.
        <Group key={index} align="flex-end" wrap="nowrap">
          <TextInput
            label={t('intake.drafts.fields.rate')}
            value={line.rate}
            error={errors[`vatBreakdown[${String(index)}].rate`]}
            disabled={!editable}
            onChange={(e) => {
              setLine(index, { rate: e.currentTarget.value });
            }}
          />
          <TextInput
            label={t('intake.drafts.fields.taxableAmount')}
            value={line.taxableAmount ?? ''}
            error={errors[`vatBreakdown[${String(index)}].taxableAmount`]}
            disabled={!editable}
            onChange={(e) => {
              setLine(index, { taxableAmount: orNull(e.currentTarget.value) });
            }}
          />
          <TextInput
            label={t('intake.drafts.fields.taxAmount')}
            value={line.taxAmount}
            error={errors[`vatBreakdown[${String(index)}].taxAmount`]}
            disabled={!editable}
            onChange={(e) => {
              setLine(index, { taxAmount: e.currentTarget.value });
            }}
          />
          {open && (
            <Button
              variant="subtle"
              color="red"
              aria-label={t('intake.drafts.removeRate', { n: index + 1 })}
              onClick={() => {
                setFields({ ...fields, vatBreakdown: lines.filter((_, i) => i !== index) });
              }}
            >
              ×
            </Button>
          )}
        </Group>
      ))}
      {errors.vatBreakdown !== undefined && (
        <Text c="red" size="sm">
          {errors.vatBreakdown}
        </Text>
      )}
      {open && (
        <Group>
          <Button
            variant="default"
            size="xs"
            onClick={() => {
              setFields({ ...fields, vatBreakdown: [...lines, { rate: '21', taxableAmount: null, taxAmount: '0.00' }] });
            }}
          >
            {t('intake.drafts.addRate')}
          </Button>
        </Group>
      )}
      {invoiceProblems.length > 0 && (
        <Alert color="red" title={t('intake.drafts.problems')}>
          <List size="sm">
            {invoiceProblems.map((problem) => (
              <List.Item key={problem}>{problem}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {invoiceProblems.length === 0 && <FormError error={failed} />}
      {open && (
        <Group>
          {editable && (
            <Button
              loading={update.isPending}
              variant="default"
              onClick={() => {
                update.mutate({ params, body: fields });
              }}
            >
              {t('intake.drafts.save')}
            </Button>
          )}
          <Button
            loading={complete.isPending}
            onClick={() => {
              if (!editable) {
                complete.mutate({ params });
                return;
              }
              // Saved first, so what is completed is what is on the screen.
              update.mutate(
                { params, body: fields },
                {
                  onSuccess: () => {
                    complete.mutate({ params });
                  },
                },
              );
            }}
          >
            {draft.purpose === 'purchase' ? t('intake.drafts.completePurchase') : t('intake.drafts.complete')}
          </Button>
          <Button
            loading={discard.isPending}
            color="red"
            variant="subtle"
            onClick={() => {
              if (window.confirm(t('intake.drafts.discardConfirm'))) discard.mutate({ params });
            }}
          >
            {t('intake.drafts.discard')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
