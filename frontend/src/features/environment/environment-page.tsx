import { Button, Checkbox, Group, Loader, Paper, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrors } from '@/api/errors';
import type { Environment } from '@/api/types';
import { AdminOnly } from '@/components/errors/admin-only';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { formatPrice } from '@/lib/format';

import { useEnvironment, useSetReceiving, useUpdateEnvironment } from './api/environment';

function GeneralSettings({ environment }: { environment: Environment }) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: {
      name: environment.name,
      autoJoinDomain: environment.autoJoinDomain ?? '',
      requireTwoFactor: environment.requireTwoFactor,
    },
  });
  const save = useUpdateEnvironment({
    onSuccess: () => {
      notifySuccess(t('environment.saved'));
    },
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['name', 'autoJoinDomain', 'requireTwoFactor']));
    },
  });
  return (
    <Paper withBorder p="lg" component="section" aria-label={t('environment.general')}>
      <form
        onSubmit={form.onSubmit((values) => {
          save.mutate({
            body: {
              name: values.name.trim(),
              autoJoinDomain: values.autoJoinDomain.trim() === '' ? null : values.autoJoinDomain.trim(),
              requireTwoFactor: values.requireTwoFactor,
            },
          });
        })}
        noValidate
      >
        <Stack maw={520}>
          <Title order={2} size="h3">
            {t('environment.general')}
          </Title>
          <TextInput label={t('environment.name')} required {...form.getInputProps('name')} />
          <TextInput
            label={t('environment.autoJoinDomain')}
            description={t('environment.autoJoinDomainHelp')}
            placeholder="example.com"
            {...form.getInputProps('autoJoinDomain')}
          />
          <Switch
            label={t('environment.requireTwoFactor')}
            description={t('environment.requireTwoFactorHelp')}
            {...form.getInputProps('requireTwoFactor', { type: 'checkbox' })}
          />
          <FormError error={save.error} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function ReceivingSettings({ environment }: { environment: Environment }) {
  const { t, i18n } = useTranslation();
  const { receiving } = environment;
  const [enabled, setEnabled] = useState(receiving.enabled);
  const [acknowledged, setAcknowledged] = useState(false);
  const price = formatPrice(receiving.pricePerDocument, receiving.currency, i18n.language);
  const save = useSetReceiving({
    onSuccess: () => {
      setAcknowledged(false);
      notifySuccess(t('environment.receiving.saved'));
    },
  });
  const turningOn = enabled && !receiving.enabled;
  const changed = enabled !== receiving.enabled || !receiving.decided;
  return (
    <Paper withBorder p="lg" component="section" aria-label={t('environment.receiving.title')}>
      <Stack maw={520}>
        <Title order={2} size="h3">
          {t('environment.receiving.title')}
        </Title>
        <Text size="sm">
          {t('environment.receiving.status', {
            state: receiving.enabled ? t('environment.receiving.on') : t('environment.receiving.off'),
          })}{' '}
          {t('receiving.price', { price })}
        </Text>
        <Switch
          label={t('environment.receiving.enabled')}
          checked={enabled}
          onChange={(event) => {
            setEnabled(event.currentTarget.checked);
          }}
        />
        {turningOn && (
          <Checkbox
            label={t('receiving.acknowledge', { price })}
            checked={acknowledged}
            onChange={(event) => {
              setAcknowledged(event.currentTarget.checked);
            }}
          />
        )}
        <FormError error={save.error} />
        <Group>
          <Button disabled={!changed || (turningOn && !acknowledged)} loading={save.isPending} onClick={() => { save.mutate({ body: { enabled, acknowledgePrice: enabled && acknowledged } }); }}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function EnvironmentContent() {
  const { t } = useTranslation();
  const environment = useEnvironment();
  return (
    <Stack maw={820}>
      <Title order={1}>{t('environment.title')}</Title>
      <FormError error={environment.error} />
      {environment.isPending && <Loader />}
      {environment.data !== undefined && (
        <>
          <GeneralSettings environment={environment.data} />
          <ReceivingSettings key={String(environment.data.receiving.enabled)} environment={environment.data} />
          <Paper withBorder p="lg" component="section" aria-label={t('hooks.environmentTitle')}>
            <Stack gap="xs">
              <Title order={2} size="h4">
                {t('hooks.environmentTitle')}
              </Title>
              <Text size="sm">{t('hooks.environmentIntro')}</Text>
              <Group>
                <Button variant="default" renderRoot={(props) => <Link to="/environment/webhooks" {...props} />}>
                  {t('hooks.manage')}
                </Button>
              </Group>
            </Stack>
          </Paper>
        </>
      )}
    </Stack>
  );
}

export function EnvironmentPage() {
  return (
    <AdminOnly>
      <EnvironmentContent />
    </AdminOnly>
  );
}
