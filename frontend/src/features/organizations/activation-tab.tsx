import { Alert, Badge, Button, Group, Modal, Radio, Stack, Text, TextInput, Timeline, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath, isApiError } from '@/api/errors';
import type { Organization } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import {
  useDeactivateOrganization,
  useEnterActivationCode,
  useOrganizationHistory,
  useRequestActivation,
} from './api/activation';
import { eventLabel, orgStatusColor, orgStatusLabel } from './labels';

type Method = 'email_code' | 'operator_review';

function RequestActivation({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const codePossible = org.kvkNumber !== null && org.kvkNumber !== undefined;
  const [method, setMethod] = useState<Method>(codePossible ? 'email_code' : 'operator_review');
  const request = useRequestActivation({
    onSuccess: (_updated, { body }) => {
      notifySuccess(
        body.method === 'email_code' ? t('organizations.activation.codeSent') : t('organizations.activation.reviewRequested'),
      );
    },
  });
  return (
    <Stack>
      <Radio.Group
        label={t('organizations.activation.methodLabel')}
        value={method}
        onChange={(value) => {
          setMethod(value === 'operator_review' ? 'operator_review' : 'email_code');
        }}
      >
        <Stack gap="xs" mt="xs">
          <Radio
            value="email_code"
            disabled={!codePossible}
            label={t('organizations.activation.emailCode')}
            description={
              codePossible ? t('organizations.activation.emailCodeHelp') : t('organizations.activation.emailCodeUnavailable')
            }
          />
          <Radio
            value="operator_review"
            label={t('organizations.activation.operatorReview')}
            description={t('organizations.activation.operatorReviewHelp')}
          />
        </Stack>
      </Radio.Group>
      <FormError error={request.error} />
      <Group>
        <Button
          loading={request.isPending}
          onClick={() => {
            request.mutate({ params: { path: { id: org.id } }, body: { method } });
          }}
        >
          {t('organizations.activation.request')}
        </Button>
      </Group>
    </Stack>
  );
}

function EnterCode({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const form = useForm({ initialValues: { code: '' } });
  const [expired, setExpired] = useState(false);
  const enter = useEnterActivationCode({
    onSuccess: (updated) => {
      notifySuccess(t('organizations.activation.activated', { name: updated.statutoryName }));
    },
    onError: (error) => {
      const errors = fieldErrorsByPath(error);
      form.setErrors(errors);
      // An expired code, or one without attempts left, cannot be entered any more: offer a new one.
      const codes = isApiError(error) ? (error.body?.details ?? []).map((detail) => detail.code) : [];
      setExpired(codes.includes('code_expired') || isApiError(error, 'conflict') || / 0 |no attempts/i.test(errors.code ?? ''));
    },
  });
  const resend = useRequestActivation({
    onSuccess: () => {
      notifySuccess(t('organizations.activation.codeSent'));
      form.reset();
      setExpired(false);
      enter.reset();
    },
  });
  const showError = enter.isError && Object.keys(fieldErrorsByPath(enter.error)).length === 0;
  return (
    <form
      onSubmit={form.onSubmit((values) => {
        enter.mutate({ params: { path: { id: org.id } }, body: { code: values.code.trim() } });
      })}
      noValidate
    >
      <Stack>
        <Text>{t('organizations.activation.enterCodeHelp')}</Text>
        <Group align="flex-start">
          <TextInput
            label={t('organizations.activation.code')}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={12}
            w={200}
            {...form.getInputProps('code')}
          />
          <Button type="submit" mt={25} loading={enter.isPending} disabled={expired}>
            {t('organizations.activation.activate')}
          </Button>
        </Group>
        {showError && <FormError error={enter.error} />}
        <FormError error={resend.error} />
        <Group>
          <Button
            variant={expired ? 'filled' : 'subtle'}
            size="xs"
            loading={resend.isPending}
            onClick={() => {
              resend.mutate({ params: { path: { id: org.id } }, body: { method: 'email_code' } });
            }}
          >
            {t('organizations.activation.resend')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Deactivate({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure(false);
  const deactivate = useDeactivateOrganization({
    onSuccess: (updated) => {
      notifySuccess(t('organizations.activation.deactivated', { name: updated.statutoryName }));
      close();
    },
  });
  return (
    <>
      <Group>
        <Button color="red" variant="light" onClick={open}>
          {t('organizations.activation.deactivate')}
        </Button>
      </Group>
      <Modal opened={opened} onClose={close} title={t('organizations.activation.deactivateTitle')}>
        <Stack>
          <Text>{t('organizations.activation.deactivateConfirm', { name: org.statutoryName })}</Text>
          <FormError error={deactivate.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={deactivate.isPending}
              onClick={() => {
                deactivate.mutate({ params: { path: { id: org.id } } });
              }}
            >
              {t('organizations.activation.deactivate')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function History({ org }: { org: Organization }) {
  const { t, i18n } = useTranslation();
  const history = useOrganizationHistory(org.id);
  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <Stack>
      <Title order={2} size="h4">
        {t('organizations.activation.history')}
      </Title>
      <FormError error={history.error} />
      {history.data !== undefined && (
        <Timeline active={history.data.length - 1} bulletSize={14} lineWidth={2} aria-label={t('organizations.activation.history')}>
          {history.data.map((event, index) => (
            <Timeline.Item key={`${event.createdAt}-${String(index)}`} title={eventLabel(t, event.event)}>
              <Text size="xs" c="dimmed">
                {format.format(new Date(event.createdAt))}
                {event.actorEmail !== null && event.actorEmail !== undefined ? ` · ${event.actorEmail}` : ''}
              </Text>
              {event.note !== null && event.note !== undefined && <Text size="sm">{event.note}</Text>}
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </Stack>
  );
}

/** Activation: status, method choice, code entry and the status history. */
export function ActivationTab({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const status = org.status;
  return (
    <Stack gap="lg">
      <Group gap="sm">
        <Text fw={600}>{t('organizations.activation.statusLabel')}</Text>
        <Badge color={orgStatusColor(status)} variant="light">
          {orgStatusLabel(t, status)}
        </Badge>
      </Group>
      {status === 'active' && <Text>{t('organizations.activation.activeHelp')}</Text>}
      {status === 'suspended' && (
        <Alert color="red">{t('organizations.activation.suspendedHelp')}</Alert>
      )}
      {(status === 'added' || status === 'deactivated') && (
        <>
          <Text>{t('organizations.activation.addedHelp')}</Text>
          {canManage ? <RequestActivation org={org} /> : <Text c="dimmed">{t('organizations.activation.askAdmin')}</Text>}
        </>
      )}
      {status === 'activation_requested' && org.activationMethod === 'email_code' && (
        canManage ? <EnterCode org={org} /> : <Text>{t('organizations.activation.waitingCode')}</Text>
      )}
      {status === 'activation_requested' && org.activationMethod !== 'email_code' && (
        <Stack>
          <Alert color="blue">{t('organizations.activation.waitingReview')}</Alert>
          {canManage && <RequestActivation org={org} />}
        </Stack>
      )}
      {status === 'active' && canManage && <Deactivate org={org} />}
      <History org={org} />
    </Stack>
  );
}
