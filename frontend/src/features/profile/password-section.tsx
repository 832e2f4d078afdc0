import { Button, Group, PasswordInput, Stack } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';

import { fieldErrors } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import { useChangePassword } from './api/me';
import { Section } from './section';

export function PasswordSection() {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: { currentPassword: '', newPassword: '', confirm: '' },
    validate: { confirm: (value, values) => (value === values.newPassword ? null : t('common.passwordMismatch')) },
  });
  const change = useChangePassword({
    onSuccess: () => {
      form.reset();
      notifySuccess(t('profile.password.changed'));
    },
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['currentPassword', 'newPassword']));
    },
  });
  return (
    <Section title={t('profile.password.title')}>
      <form onSubmit={form.onSubmit((values) => { change.mutate({ body: { currentPassword: values.currentPassword, newPassword: values.newPassword } }); })} noValidate>
        <Stack maw={420}>
          <PasswordInput
            label={t('profile.password.current')}
            autoComplete="current-password"
            required
            {...form.getInputProps('currentPassword')}
          />
          <PasswordInput
            label={t('profile.password.new')}
            description={t('auth.register.passwordHelp')}
            autoComplete="new-password"
            required
            {...form.getInputProps('newPassword')}
          />
          <PasswordInput
            label={t('profile.password.confirm')}
            autoComplete="new-password"
            required
            {...form.getInputProps('confirm')}
          />
          <FormError error={change.error} />
          <Group>
            <Button type="submit" loading={change.isPending}>
              {t('profile.password.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
