import { Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getRouteApi } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrors, isApiError } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';

import { useLogin } from '../api/auth';
import { useCompleteSignIn } from '../use-complete-sign-in';

const route = getRouteApi('/login');

/**
 * Sign-in: email and password, then (when the account has 2FA) a second step asking for a
 * TOTP or recovery code, resubmitted together with the same email and password.
 */
export function LoginForm() {
  const { t } = useTranslation();
  const { redirect } = route.useSearch();
  const completeSignIn = useCompleteSignIn();
  const [needsCode, setNeedsCode] = useState(false);
  const form = useForm({ initialValues: { email: '', password: '', code: '' } });

  const login = useLogin({
    onSuccess: (response) => completeSignIn(response, redirect ?? '/'),
    onError: (error) => {
      if (isApiError(error, 'two_factor_required')) {
        setNeedsCode(true);
        return;
      }
      form.setErrors(fieldErrors(error, ['email', 'password', 'code']));
    },
  });

  const showError = login.isError && !isApiError(login.error, 'two_factor_required');

  return (
    <form onSubmit={form.onSubmit((values) => { login.mutate({
        credentials: 'same-origin',
        body: {
          email: values.email.trim(),
          password: values.password,
          ...(needsCode ? { code: values.code.replace(/\s+/g, '') } : {}),
        },
      }); })} noValidate>
      <Stack>
        {!needsCode && (
          <>
            <TextInput
              label={t('auth.login.email')}
              placeholder={t('auth.login.emailPlaceholder')}
              type="email"
              name="email"
              autoComplete="username"
              required
              {...form.getInputProps('email')}
            />
            <PasswordInput
              label={t('auth.login.password')}
              name="password"
              autoComplete="current-password"
              required
              visibilityToggleButtonProps={{ 'aria-label': t('auth.login.togglePassword') }}
              {...form.getInputProps('password')}
            />
          </>
        )}
        {needsCode && (
          <>
            <Text fw={600}>{t('auth.login.twoFactorTitle')}</Text>
            <TextInput
              label={t('auth.login.code')}
              description={t('auth.login.twoFactorHelp')}
              name="code"
              autoComplete="one-time-code"
              required
              data-autofocus
              autoFocus
              {...form.getInputProps('code')}
            />
          </>
        )}
        <Button type="submit" fullWidth loading={login.isPending}>
          {needsCode ? t('auth.login.verify') : t('auth.login.submit')}
        </Button>
        {showError && <FormError error={login.error} />}
        {needsCode && (
          <Anchor
            component="button"
            type="button"
            size="sm"
            onClick={() => {
              setNeedsCode(false);
              login.reset();
              form.reset();
            }}
          >
            {t('auth.login.useOtherAccount')}
          </Anchor>
        )}
      </Stack>
    </form>
  );
}
