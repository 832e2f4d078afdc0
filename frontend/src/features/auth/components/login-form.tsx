import { Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { getRouteApi } from '@tanstack/react-router';
import { useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrors, isApiError } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';

import { useLogin } from '../api/auth';
import { useCompleteSignIn } from '../use-complete-sign-in';

const route = getRouteApi('/login');

type Field = 'email' | 'password' | 'code';
const FIELDS: readonly Field[] = ['email', 'password', 'code'];
const EMPTY: Record<Field, string> = { email: '', password: '', code: '' };

/**
 * The form's values and field errors. Plain state instead of @mantine/form, which would add
 * 7 kB (gzipped) to the sign-in page's first load for three text fields.
 */
function useFields() {
  const [values, setValues] = useState(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  return {
    values,
    setErrors,
    reset: () => {
      setValues(EMPTY);
      setErrors({});
    },
    /** Props for the input of `name`; editing a field clears its error (as @mantine/form does). */
    inputProps: (name: Field) => ({
      value: values[name],
      error: errors[name],
      onChange: (event: ChangeEvent<HTMLInputElement>) => {
        const { value } = event.currentTarget;
        setValues((current) => ({ ...current, [name]: value }));
        setErrors((current) => ({ ...current, [name]: undefined }));
      },
    }),
  };
}

/**
 * Sign-in: email and password, then (when the account has 2FA) a second step asking for a
 * TOTP or recovery code, resubmitted together with the same email and password.
 */
export function LoginForm() {
  const { t } = useTranslation();
  const { redirect } = route.useSearch();
  const completeSignIn = useCompleteSignIn();
  const [needsCode, setNeedsCode] = useState(false);
  const form = useFields();

  const login = useLogin({
    onSuccess: (response) => completeSignIn(response, redirect),
    onError: (error) => {
      if (isApiError(error, 'two_factor_required')) {
        setNeedsCode(true);
        return;
      }
      form.setErrors(fieldErrors(error, FIELDS));
    },
  });

  const showError = login.isError && !isApiError(login.error, 'two_factor_required');
  const { values } = form;

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        login.mutate({
          credentials: 'same-origin',
          body: {
            email: values.email.trim(),
            password: values.password,
            ...(needsCode ? { code: values.code.replace(/\s+/g, '') } : {}),
          },
        });
      }}
      noValidate
    >
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
              {...form.inputProps('email')}
            />
            <PasswordInput
              label={t('auth.login.password')}
              name="password"
              autoComplete="current-password"
              required
              visibilityToggleButtonProps={{ 'aria-label': t('auth.login.togglePassword') }}
              {...form.inputProps('password')}
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
              {...form.inputProps('code')}
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
