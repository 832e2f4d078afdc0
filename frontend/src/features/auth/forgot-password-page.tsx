import { Alert, Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { bareClient } from '@/api/bare-client';
import { call, fieldErrors } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { AuthCard } from '@/components/layouts/auth-card';

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const form = useForm({ initialValues: { email: '' } });
  const forgot = useMutation({
    mutationFn: (email: string) => call(bareClient.POST('/api/v1/auth/forgot-password', { body: { email } })),
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
      <form onSubmit={form.onSubmit((values) => { forgot.mutate(values.email.trim()); })} noValidate>
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
