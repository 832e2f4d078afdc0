import { Alert, Anchor, Button, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { fieldErrors } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { AuthCard } from '@/components/layouts/auth-card';
import { currentLanguage, isLanguage, SUPPORTED_LANGUAGES } from '@/lib/i18n';

import { useRegister } from './api/auth';

export function RegisterPage() {
  const { t, i18n } = useTranslation();
  const form = useForm({
    initialValues: { name: '', email: '', password: '', language: currentLanguage(i18n) },
  });
  const register = useRegister({
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['name', 'email', 'password', 'language']));
    },
  });

  if (register.isSuccess) {
    return (
      <AuthCard title={t('auth.register.sentTitle')}>
        <Alert color="green" role="status">
          {t('auth.register.sent', { email: form.values.email.trim() })}
        </Alert>
        <Anchor component={Link} to="/login" size="sm">
          {t('common.toLogin')}
        </Anchor>
      </AuthCard>
    );
  }

  return (
    <AuthCard title={t('auth.register.title')} subtitle={t('auth.register.subtitle')}>
      <form onSubmit={form.onSubmit((values) => { register.mutate({
        body: {
          name: values.name.trim(),
          email: values.email.trim(),
          password: values.password,
          language: isLanguage(values.language) ? values.language : currentLanguage(i18n),
        },
      }); })} noValidate>
        <Stack>
          <TextInput label={t('auth.register.name')} name="name" autoComplete="name" required {...form.getInputProps('name')} />
          <TextInput
            label={t('auth.register.email')}
            type="email"
            name="email"
            autoComplete="email"
            required
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label={t('auth.register.password')}
            description={t('auth.register.passwordHelp')}
            name="password"
            autoComplete="new-password"
            required
            visibilityToggleButtonProps={{ 'aria-label': t('auth.login.togglePassword') }}
            {...form.getInputProps('password')}
          />
          <Select
            label={t('auth.register.language')}
            data={SUPPORTED_LANGUAGES.map((lng) => ({ value: lng, label: t(`languages.${lng}`) }))}
            allowDeselect={false}
            {...form.getInputProps('language')}
          />
          <Button type="submit" fullWidth loading={register.isPending}>
            {t('auth.register.submit')}
          </Button>
          <FormError error={register.error} />
          <Text size="sm">
            {t('auth.register.haveAccount')}{' '}
            <Anchor component={Link} to="/login">
              {t('auth.register.signIn')}
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthCard>
  );
}
