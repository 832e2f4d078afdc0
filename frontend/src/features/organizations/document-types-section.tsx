import { Alert, Button, Checkbox, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { components } from '@/api/generated/schema';
import type { Organization } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import { useDocumentTypes, useSetDocumentTypes } from './api/document-types';

type DocumentType = components['schemas']['InvoiceDocumentType'];

/** Every type an organization may choose, in the order the server keeps them. */
const DOCUMENT_TYPES = [
  'bis_billing_invoice',
  'bis_billing_credit_note',
  'nlcius_invoice',
  'nlcius_credit_note',
  'nlcius_gaccount_invoice',
] as const satisfies readonly DocumentType[];

function isDocumentType(value: string): value is DocumentType {
  return (DOCUMENT_TYPES as readonly string[]).includes(value);
}

function Choice({ org, saved, canManage }: { org: Organization; saved: DocumentType[]; canManage: boolean }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<DocumentType[]>(saved);
  const save = useSetDocumentTypes({
    onSuccess: (body) => {
      setChosen(body.documentTypes);
      notifySuccess(t('peppolDocumentTypes.saved'));
    },
  });
  const unchanged = chosen.length === saved.length && chosen.every((type) => saved.includes(type));
  return (
    <Stack gap="sm">
      <Checkbox.Group
        label={t('peppolDocumentTypes.label')}
        value={chosen}
        onChange={(values) => {
          setChosen(values.filter(isDocumentType));
        }}
        error={chosen.length === 0 ? t('peppolDocumentTypes.atLeastOne') : undefined}
      >
        <Stack gap={6} mt={6}>
          {DOCUMENT_TYPES.map((type) => (
            <Checkbox
              key={type}
              value={type}
              label={t(`peppolDocumentTypes.types.${type}`)}
              disabled={!canManage || save.isPending}
            />
          ))}
        </Stack>
      </Checkbox.Group>
      <Text size="sm" c="dimmed">
        {t('peppolDocumentTypes.invoiceResponse')}
      </Text>
      <FormError error={save.error} />
      {canManage && (
        <Group>
          <Button
            loading={save.isPending}
            disabled={chosen.length === 0 || unchanged}
            onClick={() => {
              save.mutate({ params: { path: { id: org.id } }, body: { documentTypes: chosen } });
            }}
          >
            {t('peppolDocumentTypes.save')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** Which invoice document types the organization receives over Peppol (and from organizations here). */
export function DocumentTypesSection({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const types = useDocumentTypes(org.id);
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        {t('peppolDocumentTypes.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('peppolDocumentTypes.hint')}
      </Text>
      {types.isError && <Alert color="red">{t('peppolDocumentTypes.loadFailed')}</Alert>}
      {types.data !== undefined && <Choice org={org} saved={types.data} canManage={canManage} />}
    </Stack>
  );
}
