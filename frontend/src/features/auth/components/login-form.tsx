import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Placeholder sign-in form. The accounts feature has not landed, so submitting only
 * explains that signing in is not possible yet; nothing is sent to the server.
 */
export function LoginForm() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitted, setSubmitted] = useState(false);

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
  }

  return (
    <form onSubmit={onSubmit}>
      <Stack>
        <TextInput
          label={t('auth.login.email')}
          placeholder={t('auth.login.emailPlaceholder')}
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => {
            setEmail(event.currentTarget.value);
          }}
        />
        <PasswordInput
          label={t('auth.login.password')}
          name="password"
          autoComplete="current-password"
          required
          visibilityToggleButtonProps={{ 'aria-label': t('auth.login.togglePassword') }}
          value={password}
          onChange={(event) => {
            setPassword(event.currentTarget.value);
          }}
        />
        <Button type="submit" fullWidth>
          {t('auth.login.submit')}
        </Button>
        {submitted && (
          <Alert color="yellow" title={t('auth.login.notAvailableTitle')} role="status">
            {t('auth.login.notAvailable')}
          </Alert>
        )}
      </Stack>
    </form>
  );
}
