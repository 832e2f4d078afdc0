import { Alert, Anchor, Button, Loader, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { fieldErrors, isApiError } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { AuthCard } from '@/components/layouts/auth-card';

import { useAcceptInvitation, useInvitation } from './api/auth';
import { useCompleteSignIn } from './use-complete-sign-in';

const route = getRouteApi('/invitation');

/** `/invitation?token=`: shows who invited you where; accept with a name and password. */
export function InvitationPage() {
  const { t } = useTranslation();
  const { token = '' } = route.useSearch();
  const completeSignIn = useCompleteSignIn();
  const invitation = useInvitation(token);
  const form = useForm({ initialValues: { name: '', password: '' } });
  const accept = useAcceptInvitation({
    onSuccess: (response) => completeSignIn(response),
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['name', 'password']));
    },
  });
  const toLogin = (
    <Anchor component={Link} to="/login" size="sm">
      {t('common.toLogin')}
    </Anchor>
  );

  if (token === '') {
    return (
      <AuthCard title={t('auth.invitation.invalidTitle')}>
        <Text role="alert">{t('common.missingToken')}</Text>
        {toLogin}
      </AuthCard>
    );
  }
  if (invitation.isError) {
    const expired = isApiError(invitation.error, 'token_expired');
    const known = expired || isApiError(invitation.error, 'token_invalid') || isApiError(invitation.error, 'not_found');
    return (
      <AuthCard title={expired ? t('auth.invitation.expiredTitle') : t('auth.invitation.invalidTitle')}>
        {known ? (
          <Alert color="yellow" role="alert">
            {expired ? t('auth.invitation.expired') : t('auth.invitation.invalid')}
          </Alert>
        ) : (
          <FormError error={invitation.error} />
        )}
        {toLogin}
      </AuthCard>
    );
  }
  if (invitation.data === undefined) {
    return (
      <AuthCard title={t('auth.invitation.loading')}>
        <Loader />
      </AuthCard>
    );
  }
  const { email, environmentName, inviterName } = invitation.data;
  return (
    <AuthCard title={t('auth.invitation.title', { environment: environmentName })}>
      <Text size="sm">
        {t('auth.invitation.invitedBy', { inviter: inviterName, email, environment: environmentName })}
      </Text>
      <form onSubmit={form.onSubmit((values) => { accept.mutate({
        credentials: 'same-origin',
        body: { token, name: values.name.trim(), password: values.password },
      }); })} noValidate>
        <Stack>
          <TextInput label={t('auth.invitation.name')} name="name" autoComplete="name" required {...form.getInputProps('name')} />
          <PasswordInput
            label={t('auth.invitation.password')}
            description={t('auth.register.passwordHelp')}
            name="password"
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <Button type="submit" fullWidth loading={accept.isPending}>
            {t('auth.invitation.submit')}
          </Button>
          <FormError error={accept.error} />
        </Stack>
      </form>
    </AuthCard>
  );
}
