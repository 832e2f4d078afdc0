import { Button, Group, Select, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';

import { fieldErrors } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { isLanguage, SUPPORTED_LANGUAGES } from '@/lib/i18n';
import { useCurrentUser } from '@/lib/session';

import { useUpdateMe } from './api/me';
import { Section } from './section';

export function PersonalSection() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const form = useForm({
    initialValues: { name: user.name, phone: user.phone ?? '', language: user.language },
  });
  const save = useUpdateMe({
    onSuccess: () => {
      form.resetDirty();
      notifySuccess(t('profile.personal.saved'));
    },
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['name', 'phone', 'language']));
    },
  });
  return (
    <Section title={t('profile.personal.title')}>
      <form onSubmit={form.onSubmit((values) => { save.mutate({
            body: {
              name: values.name.trim(),
              phone: values.phone.trim() === '' ? null : values.phone.trim(),
              ...(isLanguage(values.language) ? { language: values.language } : {}),
            },
          }); })} noValidate>
        <Group align="flex-start" grow>
          <TextInput label={t('profile.personal.name')} required autoComplete="name" {...form.getInputProps('name')} />
          <TextInput label={t('profile.personal.email')} value={user.email} readOnly disabled />
        </Group>
        <Group align="flex-start" grow mt="sm">
          <TextInput
            label={t('profile.personal.phone')}
            type="tel"
            autoComplete="tel"
            {...form.getInputProps('phone')}
          />
          <Select
            label={t('profile.personal.language')}
            allowDeselect={false}
            data={SUPPORTED_LANGUAGES.map((lng) => ({ value: lng, label: t(`languages.${lng}`) }))}
            {...form.getInputProps('language')}
          />
        </Group>
        <FormError error={save.error} />
        <Group mt="md">
          <Button type="submit" loading={save.isPending}>
            {t('common.save')}
          </Button>
        </Group>
      </form>
    </Section>
  );
}
