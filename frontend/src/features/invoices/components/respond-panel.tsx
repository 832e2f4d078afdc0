import { ActionIcon, Button, Card, Group, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import { useRespond } from '../api/invoices';
import {
  ACTION_CODES,
  NEEDS_REASON,
  REASON_CODES,
  RESPONSE_CODES,
  type InvoiceDocument,
  type ResponseCode,
} from '../model';
import { respondBody, toClarifications, type ClarificationDraft } from '../respond';

/** A list of reason or action pickers: a code with its translated name, and a text per row. */
export function ClarificationsInput({
  kind,
  value,
  onChange,
}: {
  kind: 'reason' | 'action';
  value: readonly ClarificationDraft[];
  onChange: (next: ClarificationDraft[]) => void;
}) {
  const { t } = useTranslation();
  const data =
    kind === 'reason'
      ? REASON_CODES.map((code) => ({ value: code, label: `${code} — ${t(`invoices.response.reasonCodes.${code}`)}` }))
      : ACTION_CODES.map((code) => ({ value: code, label: `${code} — ${t(`invoices.response.actionCodes.${code}`)}` }));
  const update = (index: number, change: Partial<ClarificationDraft>) => {
    onChange(value.map((draft, i) => (i === index ? { ...draft, ...change } : draft)));
  };
  return (
    <Stack gap="xs">
      {value.map((draft, index) => (
        // Rows have no identity but their place; they are only added at the end or removed.
        <Group key={index} align="flex-end" wrap="nowrap">
          <Select
            label={t(`invoices.response.${kind}`)}
            placeholder={t('invoices.response.pickCode')}
            data={data}
            value={draft.code}
            searchable
            onChange={(code) => {
              update(index, { code });
            }}
            w={300}
          />
          <TextInput
            label={t('invoices.response.text')}
            value={draft.text}
            maxLength={500}
            onChange={(event) => {
              update(index, { text: event.currentTarget.value });
            }}
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="subtle"
            color="gray"
            size="lg"
            aria-label={t(`invoices.response.remove.${kind}`)}
            onClick={() => {
              onChange(value.filter((_, i) => i !== index));
            }}
          >
            ×
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button
          variant="subtle"
          size="xs"
          onClick={() => {
            onChange([...value, { code: null, text: '' }]);
          }}
        >
          {t(`invoices.response.add.${kind}`)}
        </Button>
      </Group>
    </Stack>
  );
}

/** The buyer's full answer (Peppol Invoice Response): any code, reasons, actions and a note. */
export function RespondPanel({ document }: { document: InvoiceDocument }) {
  const { t } = useTranslation();
  const [code, setCode] = useState<ResponseCode | null>(null);
  const [reasons, setReasons] = useState<ClarificationDraft[]>([]);
  const [actions, setActions] = useState<ClarificationDraft[]>([]);
  const [note, setNote] = useState('');
  const [missingReason, setMissingReason] = useState(false);
  const respond = useRespond({
    onSuccess: () => {
      notifySuccess(t('invoices.response.sent'));
      setCode(null);
      setReasons([]);
      setActions([]);
      setNote('');
    },
  });
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        {t('invoices.response.title')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('invoices.response.intro')}
      </Text>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (code === null) return;
          const needsReason = NEEDS_REASON.includes(code) && toClarifications(reasons).length === 0;
          setMissingReason(needsReason);
          if (needsReason) return;
          respond.mutate({
            params: { path: { partyId: document.partyId, id: document.id } },
            body: respondBody(code, reasons, actions, note),
          });
        }}
      >
        <Stack gap="sm">
          <Select
            label={t('invoices.response.codeLabel')}
            placeholder={t('invoices.response.pickCode')}
            data={RESPONSE_CODES.map((value) => ({
              value,
              label: `${value.toUpperCase()} — ${t(`invoices.response.code.${value}`)}`,
            }))}
            value={code}
            required
            onChange={(value) => {
              setCode(value);
              setMissingReason(false);
            }}
            maw={420}
          />
          <ClarificationsInput kind="reason" value={reasons} onChange={setReasons} />
          {missingReason && (
            <Text size="sm" c="red" role="alert">
              {t('invoices.response.reasonRequired')}
            </Text>
          )}
          <ClarificationsInput kind="action" value={actions} onChange={setActions} />
          <Textarea
            label={t('invoices.response.note')}
            description={t('invoices.actions.noteHint')}
            value={note}
            maxLength={1000}
            rows={2}
            onChange={(event) => {
              setNote(event.currentTarget.value);
            }}
          />
          <FormError error={respond.error} />
          <Group>
            <Button type="submit" disabled={code === null} loading={respond.isPending}>
              {t('invoices.response.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
