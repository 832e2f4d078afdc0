import { Alert, Button, Card, Group, List, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { isApiError } from '@/api/errors';
import { FormError } from '@/components/forms/form-error';

import type { components } from '@/api/generated/schema';

import { useAnnounceCertificateChange, useRepairSml, useSmlComparison } from './api/sml';

type IdList = components['schemas']['ParticipantIdList'];

/** One kind of difference: its ids (at most the first 100) and how many more there are. */
function Difference({ title, list }: { title: string; list: IdList }) {
  const { t } = useTranslation();
  if (list.total === 0) return null;
  return (
    <Stack gap={4}>
      <Text fw={500}>
        {title} ({list.total})
      </Text>
      <List size="sm">
        {list.items.map((id) => (
          <List.Item key={id}>{id}</List.Item>
        ))}
      </List>
      {list.total > list.items.length && (
        <Text size="sm" c="dimmed">
          {t('smlNetwork.more', { count: list.total - list.items.length })}
        </Text>
      )}
    </Stack>
  );
}

function Comparison() {
  const { t } = useTranslation();
  const comparison = useSmlComparison();
  const repair = useRepairSml();
  if (comparison.isPending) return <Text c="dimmed">{t('smlNetwork.loading')}</Text>;
  if (isApiError(comparison.error) && comparison.error.code === 'sml_registration_off') {
    return <Text c="dimmed">{t('smlNetwork.off')}</Text>;
  }
  if (comparison.data === undefined) return <FormError error={comparison.error} />;
  const found = comparison.data;
  const differences = found.onlyInSml.total + found.missing.total + found.moved.total;
  return (
    <Stack gap="sm">
      <Text>{t('smlNetwork.summary', { inSml: found.inSml, inAgreement: found.inAgreement })}</Text>
      {differences === 0 ? (
        <Text c="green">{t('smlNetwork.inStep')}</Text>
      ) : (
        <>
          <Difference title={t('smlNetwork.onlyInSml')} list={found.onlyInSml} />
          <Difference title={t('smlNetwork.missing')} list={found.missing} />
          <Difference title={t('smlNetwork.moved')} list={found.moved} />
          <Group>
            <Button
              loading={repair.isPending}
              onClick={() => {
                repair.mutate({});
              }}
            >
              {t('smlNetwork.repair')}
            </Button>
          </Group>
        </>
      )}
      {repair.data !== undefined && (
        <Alert color="green" role="status">
          {t('smlNetwork.repaired', {
            createdAgain: repair.data.createdAgain,
            deleted: repair.data.deleted,
            moved: repair.data.markedMoved,
          })}
        </Alert>
      )}
      <FormError error={repair.error} />
    </Stack>
  );
}

/** Today (UTC) as `YYYY-MM-DD`: the earliest migration date the SML takes. */
function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function CertificateChange() {
  const { t } = useTranslation();
  const announce = useAnnounceCertificateChange();
  const [date, setDate] = useState(today);
  return (
    <Stack gap="sm">
      <Title order={3}>{t('smlNetwork.certificateTitle')}</Title>
      <Text size="sm" c="dimmed">
        {t('smlNetwork.certificateIntro')}
      </Text>
      <Group align="end">
        <TextInput
          type="date"
          label={t('smlNetwork.migrationDate')}
          value={date}
          min={today()}
          onChange={(event) => {
            setDate(event.currentTarget.value);
          }}
        />
        <Button
          variant="light"
          loading={announce.isPending}
          disabled={date === ''}
          onClick={() => {
            announce.mutate({ body: { migrationDate: date } });
          }}
        >
          {t('smlNetwork.announce')}
        </Button>
      </Group>
      {announce.data !== undefined && (
        <Alert color="green" role="status">
          {t('smlNetwork.announced', {
            serial: announce.data.serialNumber,
            subject: announce.data.subject,
            date: announce.data.migrationDate,
          })}
        </Alert>
      )}
      <FormError error={announce.error} />
    </Stack>
  );
}

/** Platform operators: where Haven's SMP stands in the SML, its repair, and the SMP certificate's renewal there. */
export function SmlCard() {
  const { t } = useTranslation();
  return (
    <Card withBorder>
      <Stack>
        <Title order={2}>{t('smlNetwork.title')}</Title>
        <Comparison />
        <CertificateChange />
      </Stack>
    </Card>
  );
}
