import { Badge, Button, Code, CopyButton, Group, Image, List, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrors } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { sessionStore, useCurrentUser } from '@/lib/session';

import { useTwoFactorConfirm, useTwoFactorDisable, useTwoFactorSetup } from './api/me';
import { Section } from './section';

/** The base32 secret in groups of four, easier to type by hand. */
function groupSecret(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

function downloadText(fileName: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

/** Enrol (setup → scan → confirm with a code → recovery codes, shown once) or turn off 2FA. */
export function TwoFactorSection() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const confirmForm = useForm({ initialValues: { code: '' } });
  const disableForm = useForm({ initialValues: { password: '' } });

  const setup = useTwoFactorSetup();
  const confirm = useTwoFactorConfirm({
    onSuccess: (result) => {
      setRecoveryCodes(result.recoveryCodes);
      setup.reset();
      confirmForm.reset();
    },
    onError: (error) => {
      confirmForm.setErrors(fieldErrors(error, ['code']));
    },
  });
  const disable = useTwoFactorDisable({
    onSuccess: () => {
      disableForm.reset();
      notifySuccess(t('profile.twoFactor.disabled'));
    },
    onError: (error) => {
      disableForm.setErrors(fieldErrors(error, ['password']));
    },
  });

  const badge = (
    <Badge color={user.twoFactorEnabled ? 'green' : 'gray'} variant="light" ml="xs">
      {user.twoFactorEnabled ? t('profile.twoFactor.on') : t('profile.twoFactor.off')}
    </Badge>
  );

  if (recoveryCodes !== null) {
    const text = recoveryCodes.join('\n');
    return (
      <Section title={t('profile.twoFactor.title')} aside={badge}>
        <Title order={3} size="h4">
          {t('profile.twoFactor.recoveryTitle')}
        </Title>
        <Text size="sm">{t('profile.twoFactor.recoveryIntro')}</Text>
        <List data-testid="recovery-codes" ff="monospace" listStyleType="none" spacing={2}>
          {recoveryCodes.map((code) => (
            <List.Item key={code}>{code}</List.Item>
          ))}
        </List>
        <Group>
          <CopyButton value={text}>
            {({ copied, copy }) => (
              <Button variant="default" onClick={copy}>
                {copied ? t('common.copied') : t('common.copy')}
              </Button>
            )}
          </CopyButton>
          <Button
            variant="default"
            onClick={() => {
              downloadText(t('profile.twoFactor.recoveryFileName'), `${text}\n`);
            }}
          >
            {t('common.download')}
          </Button>
          <Button
            onClick={() => {
              setRecoveryCodes(null);
              sessionStore.updateUser((current) => ({ ...current, twoFactorEnabled: true, twoFactorSetupRequired: false }));
              notifySuccess(t('profile.twoFactor.enabled'));
            }}
          >
            {t('profile.twoFactor.recoveryDone')}
          </Button>
        </Group>
      </Section>
    );
  }

  if (user.twoFactorEnabled) {
    return (
      <Section title={t('profile.twoFactor.title')} aside={badge}>
        <Text size="sm">{t('profile.twoFactor.enabled')}</Text>
        <form onSubmit={disableForm.onSubmit((values) => { disable.mutate({ body: { password: values.password } }); })} noValidate>
          <Stack maw={420}>
            <PasswordInput
              label={t('profile.twoFactor.disablePassword')}
              description={t('profile.twoFactor.disableHelp')}
              autoComplete="current-password"
              required
              {...disableForm.getInputProps('password')}
            />
            <FormError error={disable.error} />
            <Group>
              <Button type="submit" color="red" variant="light" loading={disable.isPending}>
                {t('profile.twoFactor.disable')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Section>
    );
  }

  const enrolment = setup.data;
  return (
    <Section title={t('profile.twoFactor.title')} aside={badge}>
      <Text size="sm">{t('profile.twoFactor.intro')}</Text>
      {enrolment === undefined ? (
        <>
          <FormError error={setup.error} />
          <Group>
            <Button loading={setup.isPending} onClick={() => { setup.mutate(); }}>
              {t('profile.twoFactor.start')}
            </Button>
          </Group>
        </>
      ) : (
        <form onSubmit={confirmForm.onSubmit((values) => { confirm.mutate({ body: { code: values.code.replace(/\s+/g, '') } }); })} noValidate>
          <Stack maw={420}>
            <Text size="sm">{t('profile.twoFactor.scan')}</Text>
            {/* An <img> renders the server's SVG without running anything inside it. */}
            <Image
              src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`}
              alt={t('profile.twoFactor.qrLabel')}
              w={200}
              h={200}
              fit="contain"
            />
            <Text size="sm">
              {t('profile.twoFactor.secret')}: <Code data-testid="totp-secret">{groupSecret(enrolment.secret)}</Code>
            </Text>
            <TextInput
              label={t('profile.twoFactor.code')}
              autoComplete="one-time-code"
              inputMode="numeric"
              required
              {...confirmForm.getInputProps('code')}
            />
            <FormError error={confirm.error} />
            <Group>
              <Button type="submit" loading={confirm.isPending}>
                {t('profile.twoFactor.confirm')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Section>
  );
}
