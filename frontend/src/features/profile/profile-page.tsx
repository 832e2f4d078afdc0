import { Alert, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { useCurrentUser } from '@/lib/session';

import { EmailsSection } from './emails-section';
import { PasswordSection } from './password-section';
import { PersonalSection } from './personal-section';
import { SessionsSection } from './sessions-section';
import { TwoFactorSection } from './two-factor-section';

export function ProfilePage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  return (
    <Stack maw={820}>
      <Title order={1}>{t('profile.title')}</Title>
      {user.twoFactorSetupRequired && (
        <Alert color="orange" title={t('twoFactorRequired.title')} role="alert">
          {t('twoFactorRequired.description')}
        </Alert>
      )}
      <PersonalSection />
      <TwoFactorSection />
      <PasswordSection />
      <EmailsSection />
      <SessionsSection />
    </Stack>
  );
}
