import { Alert, Anchor, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { fieldErrors } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { AuthCard } from '@/components/layouts/auth-card';

import { useResetPassword } from './api/auth';

const route = getRouteApi('/reset-password');

/** `/reset-password?token=`: choose a new password. */
export function ResetPasswordPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const form = useForm({
    initialValues: { password: '', confirm: '' },
    validate: { confirm: (value, values) => (value === values.password ? null : t('common.passwordMismatch')) },
  });
  const reset = useResetPassword({
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['password']));
    },
  });
  const toLogin = (
    <Anchor component={Link} to="/login" size="sm">
      {t('common.toLogin')}
    </Anchor>
  );

  if (token === undefined) {
    return (
      <AuthCard title={t('auth.resetPassword.title')}>
        <Text role="alert">{t('common.missingToken')}</Text>
        {toLogin}
      </AuthCard>
    );
  }
  if (reset.isSuccess) {
    return (
      <AuthCard title={t('auth.resetPassword.doneTitle')}>
        <Alert color="green" role="status">
          {t('auth.resetPassword.done')}
        </Alert>
        {toLogin}
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t('auth.resetPassword.title')}>
      <form onSubmit={form.onSubmit((values) => { reset.mutate({ body: { token, password: values.password } }); })} noValidate>
        <Stack>
          <PasswordInput
            label={t('auth.resetPassword.password')}
            description={t('auth.register.passwordHelp')}
            name="password"
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <PasswordInput
            label={t('auth.resetPassword.confirm')}
            name="confirm"
            autoComplete="new-password"
            required
            {...form.getInputProps('confirm')}
          />
          <Button type="submit" fullWidth loading={reset.isPending}>
            {t('auth.resetPassword.submit')}
          </Button>
          <FormError error={reset.error} />
        </Stack>
      </form>
    </AuthCard>
  );
}
