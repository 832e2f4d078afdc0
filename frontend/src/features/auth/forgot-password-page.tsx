import { Alert, Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { fieldErrors } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { AuthCard } from '@/components/layouts/auth-card';

import { useForgotPassword } from './api/auth';

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const form = useForm({ initialValues: { email: '' } });
  const forgot = useForgotPassword({
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['email']));
    },
  });
  const back = (
    <Anchor component={Link} to="/login" size="sm">
      {t('auth.forgotPassword.backToLogin')}
    </Anchor>
  );

  if (forgot.isSuccess) {
    return (
      <AuthCard title={t('auth.forgotPassword.sentTitle')}>
        <Alert color="green" role="status">
          {t('auth.forgotPassword.sent', { email: form.values.email.trim() })}
        </Alert>
        {back}
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t('auth.forgotPassword.title')} subtitle={t('auth.forgotPassword.subtitle')}>
      <form onSubmit={form.onSubmit((values) => { forgot.mutate({ body: { email: values.email.trim() } }); })} noValidate>
        <Stack>
          <TextInput
            label={t('auth.forgotPassword.email')}
            type="email"
            name="email"
            autoComplete="username"
            required
            {...form.getInputProps('email')}
          />
          <Button type="submit" fullWidth loading={forgot.isPending}>
            {t('auth.forgotPassword.submit')}
          </Button>
          <FormError error={forgot.error} />
          {back}
        </Stack>
      </form>
    </AuthCard>
  );
}
