import { Alert, Button, Group, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath } from '@/api/errors';
import type { components } from '@/api/generated/schema';
import type { Organization } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import { useDirectoryDetails, useSetDirectoryDetails } from './api/directory-details';
import { CARD_LANGUAGES, languageName } from './labels';

type Details = components['schemas']['DirectoryDetails'];
type LanguageCode = components['schemas']['LanguageCode'];

/** The most entries of each list the server takes. */
const MAX_ENTRIES = 5;

interface FormValues {
  otherNames: { language: string; name: string }[];
  websites: string[];
  contacts: { purpose: string; name: string; phone: string; email: string }[];
  additionalInformation: string;
}

function toForm(details: Details): FormValues {
  return {
    // The lists may be left out of a body (they default to empty), so the type allows that.
    otherNames: (details.otherNames ?? []).map((n) => ({ language: n.language, name: n.name })),
    websites: details.websites ?? [],
    contacts: (details.contacts ?? []).map((c) => ({
      purpose: c.purpose ?? '',
      name: c.name ?? '',
      phone: c.phone ?? '',
      email: c.email ?? '',
    })),
    additionalInformation: details.additionalInformation ?? '',
  };
}

const blankToNull = (value: string) => (value.trim() === '' ? null : value);

function toBody(values: FormValues): Details {
  return {
    otherNames: values.otherNames.map((n) => ({ language: n.language as LanguageCode, name: n.name })),
    websites: values.websites.filter((w) => w.trim() !== ''),
    contacts: values.contacts.map((c) => ({
      purpose: blankToNull(c.purpose),
      name: blankToNull(c.name),
      phone: blankToNull(c.phone),
      email: blankToNull(c.email),
    })),
    additionalInformation: blankToNull(values.additionalInformation),
  };
}

function DetailsForm({ org, saved, canManage }: { org: Organization; saved: Details; canManage: boolean }) {
  const { t, i18n } = useTranslation();
  const form = useForm<FormValues>({ initialValues: toForm(saved) });
  const save = useSetDirectoryDetails({
    onSuccess: (body) => {
      form.setValues(toForm(body));
      form.resetDirty(toForm(body));
      notifySuccess(t('directoryDetails.saved'));
    },
    onError: (error) => {
      const errors: Record<string, string> = {};
      // `contacts[1].email` on the server is `contacts.1.email` in the form.
      for (const [field, message] of Object.entries(fieldErrorsByPath(error))) {
        errors[field.replace(/\[(\d+)\]/g, '.$1')] = message;
      }
      form.setErrors(errors);
    },
  });
  const disabled = !canManage || save.isPending;
  const languages = CARD_LANGUAGES.map((code) => ({ value: code, label: `${languageName(code, i18n.language)} (${code})` }));
  const { otherNames, websites, contacts } = form.values;
  return (
    <form
      onSubmit={form.onSubmit((values) => {
        save.mutate({ params: { path: { id: org.id } }, body: toBody(values) });
      })}
      noValidate
    >
      <Stack gap="md">
        <Stack gap="xs">
          <Text fw={500} size="sm">
            {t('directoryDetails.otherNames')}
          </Text>
          {otherNames.map((_, index) => (
            <Group key={index} align="flex-start" wrap="nowrap">
              <Select
                aria-label={t('directoryDetails.language')}
                placeholder={t('directoryDetails.language')}
                data={languages}
                searchable
                disabled={disabled}
                w={200}
                {...form.getInputProps(`otherNames.${index}.language`)}
              />
              <TextInput
                aria-label={t('directoryDetails.nameInLanguage')}
                placeholder={t('directoryDetails.nameInLanguage')}
                disabled={disabled}
                style={{ flex: 1 }}
                {...form.getInputProps(`otherNames.${index}.name`)}
              />
              {canManage && (
                <Button
                  variant="subtle"
                  color="red"
                  onClick={() => {
                    form.removeListItem('otherNames', index);
                  }}
                >
                  {t('directoryDetails.remove')}
                </Button>
              )}
            </Group>
          ))}
          {canManage && otherNames.length < MAX_ENTRIES && (
            <Group>
              <Button
                variant="light"
                size="xs"
                onClick={() => {
                  form.insertListItem('otherNames', { language: '', name: '' });
                }}
              >
                {t('directoryDetails.addName')}
              </Button>
            </Group>
          )}
        </Stack>

        <Stack gap="xs">
          <Text fw={500} size="sm">
            {t('directoryDetails.websites')}
          </Text>
          {websites.map((_, index) => (
            <Group key={index} align="flex-start" wrap="nowrap">
              <TextInput
                aria-label={t('directoryDetails.website')}
                placeholder="https://www.example.nl"
                disabled={disabled}
                style={{ flex: 1 }}
                {...form.getInputProps(`websites.${index}`)}
              />
              {canManage && (
                <Button
                  variant="subtle"
                  color="red"
                  onClick={() => {
                    form.removeListItem('websites', index);
                  }}
                >
                  {t('directoryDetails.remove')}
                </Button>
              )}
            </Group>
          ))}
          {canManage && websites.length < MAX_ENTRIES && (
            <Group>
              <Button
                variant="light"
                size="xs"
                onClick={() => {
                  form.insertListItem('websites', '');
                }}
              >
                {t('directoryDetails.addWebsite')}
              </Button>
            </Group>
          )}
        </Stack>

        <Stack gap="xs">
          <Text fw={500} size="sm">
            {t('directoryDetails.contacts')}
          </Text>
          {form.errors.contacts !== undefined && (
            <Text size="sm" c="red">
              {form.errors.contacts}
            </Text>
          )}
          {contacts.map((_, index) => (
            <Stack key={index} gap={4}>
              {form.errors[`contacts.${index}`] !== undefined && (
                <Text size="sm" c="red">
                  {form.errors[`contacts.${index}`]}
                </Text>
              )}
              <Group align="flex-start" grow>
                <TextInput
                  label={t('directoryDetails.purpose')}
                  placeholder={t('directoryDetails.purposeExample')}
                  disabled={disabled}
                  {...form.getInputProps(`contacts.${index}.purpose`)}
                />
                <TextInput label={t('directoryDetails.contactName')} disabled={disabled} {...form.getInputProps(`contacts.${index}.name`)} />
                <TextInput
                  label={t('directoryDetails.phone')}
                  type="tel"
                  disabled={disabled}
                  {...form.getInputProps(`contacts.${index}.phone`)}
                />
                <TextInput
                  label={t('directoryDetails.email')}
                  type="email"
                  disabled={disabled}
                  {...form.getInputProps(`contacts.${index}.email`)}
                />
              </Group>
              {canManage && (
                <Group>
                  <Button
                    variant="subtle"
                    color="red"
                    size="xs"
                    onClick={() => {
                      form.removeListItem('contacts', index);
                    }}
                  >
                    {t('directoryDetails.removeContact')}
                  </Button>
                </Group>
              )}
            </Stack>
          ))}
          {canManage && contacts.length < MAX_ENTRIES && (
            <Group>
              <Button
                variant="light"
                size="xs"
                onClick={() => {
                  form.insertListItem('contacts', { purpose: '', name: '', phone: '', email: '' });
                }}
              >
                {t('directoryDetails.addContact')}
              </Button>
            </Group>
          )}
        </Stack>

        <Textarea
          label={t('directoryDetails.additionalInformation')}
          description={t('directoryDetails.additionalInformationHint')}
          rows={3}
          maxLength={1000}
          disabled={disabled}
          {...form.getInputProps('additionalInformation')}
        />
        <FormError error={save.error} />
        {canManage && (
          <Group>
            <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
              {t('directoryDetails.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

/** What the organization adds to its Peppol Directory business card. */
export function DirectoryDetailsSection({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const details = useDirectoryDetails(org.id);
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        {t('directoryDetails.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t(org.directoryListed ? 'directoryDetails.hint' : 'directoryDetails.notListed')}
      </Text>
      {details.isError && <Alert color="red">{t('directoryDetails.loadFailed')}</Alert>}
      {details.data !== undefined && <DetailsForm org={org} saved={details.data} canManage={canManage} />}
    </Stack>
  );
}
