import { Button, Checkbox, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { RECEIVING_DISMISSED_KEY } from '@/lib/auth';
import { formatPrice } from '@/lib/format';
import { useCurrentUser } from '@/lib/session';

import { useDecideReceiving } from './api/receiving';

/**
 * First-login setup: while the environment has not decided whether to receive e-invoices,
 * ask (with the price per document). Enabling needs an explicit acknowledgement of the price.
 * "Not now" puts the question off for this sign-in only (sessionStorage; cleared at sign-in).
 */
export function ReceivingDecisionModal() {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const [dismissed, setDismissed] = useState(() => window.sessionStorage.getItem(RECEIVING_DISMISSED_KEY) === '1');
  const [acknowledged, setAcknowledged] = useState(false);
  const { receiving, name } = user.environment;
  const price = formatPrice(receiving.pricePerDocument, receiving.currency, i18n.language);

  const decide = useDecideReceiving({
    onSuccess: (_environment, { body }) => {
      notifySuccess(body.enabled ? t('receiving.enabled') : t('receiving.declined'));
    },
  });
  const answer = (enabled: boolean) => {
    decide.mutate({ body: { enabled, acknowledgePrice: enabled && acknowledged } });
  };

  const open = user.needsReceivingDecision && !dismissed;
  const notNow = () => {
    window.sessionStorage.setItem(RECEIVING_DISMISSED_KEY, '1');
    setDismissed(true);
  };

  return (
    <Modal opened={open} onClose={notNow} title={t('receiving.title')} size="lg" closeOnClickOutside={false}>
      <Stack>
        <Text>{t('receiving.intro', { environment: name })}</Text>
        <Text fw={600}>{t('receiving.price', { price })}</Text>
        <Checkbox
          label={t('receiving.acknowledge', { price })}
          checked={acknowledged}
          onChange={(event) => {
            setAcknowledged(event.currentTarget.checked);
          }}
        />
        <FormError error={decide.error} />
        <Text size="sm" c="dimmed">
          {t('receiving.later')}
        </Text>
        <Group justify="space-between">
          <Button variant="subtle" onClick={notNow}>
            {t('receiving.notNow')}
          </Button>
          <Group>
            <Button variant="default" loading={decide.isPending && !decide.variables.body.enabled} onClick={() => { answer(false); }}>
              {t('receiving.decline')}
            </Button>
            <Button
              disabled={!acknowledged}
              loading={decide.isPending && decide.variables.body.enabled}
              onClick={() => { answer(true); }}
            >
              {t('receiving.enable')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
