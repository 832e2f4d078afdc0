import { Button, Group, SimpleGrid, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath } from '@/api/errors';
import type { Organization } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import { useUpdateOrganization } from './api/organizations';
import { formatAddress } from './labels';

function Field({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text>{value === '' ? '—' : value}</Text>
    </div>
  );
}

function DetailsForm({ org, onDone }: { org: Organization; onDone: () => void }) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: {
      statutoryName: org.statutoryName,
      tradeNames: org.tradeNames,
      street: org.address.street ?? '',
      houseNumber: org.address.houseNumber ?? '',
      postalCode: org.address.postalCode ?? '',
      city: org.address.city ?? '',
      contactName: org.contactName ?? '',
      contactEmail: org.contactEmail ?? '',
    },
    validate: {
      statutoryName: (value) => (value.trim() === '' ? t('organizations.wizard.nameRequired') : null),
    },
  });
  const save = useUpdateOrganization({
    onSuccess: () => {
      notifySuccess(t('organizations.details.saved'));
      onDone();
    },
    onError: (error) => {
      const errors: Record<string, string> = {};
      for (const [field, message] of Object.entries(fieldErrorsByPath(error))) {
        errors[field.replace(/^address\./, '')] = message;
      }
      form.setErrors(errors);
    },
  });
  return (
    <form
      onSubmit={form.onSubmit((values) => {
        save.mutate({
          params: { path: { id: org.id } },
          body: {
            statutoryName: values.statutoryName.trim(),
            tradeNames: values.tradeNames.map((n) => n.trim()).filter((n) => n !== ''),
            address: {
              street: values.street,
              houseNumber: values.houseNumber,
              postalCode: values.postalCode,
              city: values.city,
            },
            contactName: values.contactName,
            contactEmail: values.contactEmail,
          },
        });
      })}
      noValidate
    >
      <Stack>
        <TextInput label={t('organizations.fields.statutoryName')} required {...form.getInputProps('statutoryName')} />
        <TagsInput
          label={t('organizations.fields.tradeNames')}
          description={t('organizations.fields.tradeNamesHelp')}
          {...form.getInputProps('tradeNames')}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label={t('organizations.fields.street')} {...form.getInputProps('street')} />
          <TextInput label={t('organizations.fields.houseNumber')} {...form.getInputProps('houseNumber')} />
          <TextInput label={t('organizations.fields.postalCode')} {...form.getInputProps('postalCode')} />
          <TextInput label={t('organizations.fields.city')} {...form.getInputProps('city')} />
          <TextInput label={t('organizations.fields.contactName')} {...form.getInputProps('contactName')} />
          <TextInput label={t('organizations.fields.contactEmail')} type="email" {...form.getInputProps('contactEmail')} />
        </SimpleGrid>
        <FormError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending}>
            {t('organizations.details.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The organization's details; Organization Administrators can edit them. */
export function DetailsTab({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  if (editing && canManage) {
    return (
      <DetailsForm
        org={org}
        onDone={() => {
          setEditing(false);
        }}
      />
    );
  }
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Field label={t('organizations.fields.statutoryName')} value={org.statutoryName} />
        <Field label={t('organizations.fields.tradeNames')} value={org.tradeNames.join(', ')} />
        <Field label={t('organizations.fields.address')} value={formatAddress(org.address)} />
        <Field label={t('organizations.fields.country')} value={org.country} />
        <Field label={t('organizations.identifierKinds.kvk')} value={org.kvkNumber ?? ''} />
        <Field label={t('organizations.fields.contactName')} value={org.contactName ?? ''} />
        <Field label={t('organizations.fields.contactEmail')} value={org.contactEmail ?? ''} />
      </SimpleGrid>
      {canManage && (
        <Group>
          <Button
            variant="default"
            onClick={() => {
              setEditing(true);
            }}
          >
            {t('organizations.details.edit')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
