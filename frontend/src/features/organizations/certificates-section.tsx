import { Alert, Badge, Button, Loader, Stack, Table, Text, Title } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

import type { components } from '@/api/generated/schema';
import { FormError } from '@/components/forms/form-error';

import { useCertificates, useInstallationAuditEvents } from './api/certificates';

type Certificate = components['schemas']['CertificateDto'];

const STATE_COLORS: Record<Certificate['state'], string> = {
  valid: 'green',
  expires_soon: 'orange',
  expired: 'red',
  not_yet_valid: 'gray',
};

/** What a certificate is for; the previous one of a rollover has its own words. */
function purposeLabel(t: TFunction, purpose: Certificate['purpose']): string {
  return purpose === 'access_point_previous'
    ? t('certificateRollover.accessPointPrevious')
    : t(`certificates.purposes.${purpose}`);
}

function CertificateRow({ certificate }: { certificate: Certificate }) {
  const { t, i18n } = useTranslation();
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' });
  return (
    <Table.Tr>
      <Table.Td>{purposeLabel(t, certificate.purpose)}</Table.Td>
      <Table.Td>
        <Text size="sm">{certificate.subject}</Text>
        <Text size="xs" c="dimmed">
          {certificate.issuer} · {certificate.serialNumber}
        </Text>
      </Table.Td>
      <Table.Td>{date.format(new Date(certificate.notAfter))}</Table.Td>
      <Table.Td>
        <Badge color={STATE_COLORS[certificate.state]} variant="light">
          {t(`certificates.states.${certificate.state}`, { count: certificate.daysLeft })}
        </Badge>
      </Table.Td>
    </Table.Tr>
  );
}

function InstallationLog() {
  const { t, i18n } = useTranslation();
  const events = useInstallationAuditEvents();
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        {t('certificates.logTitle')}
      </Title>
      <FormError error={events.error} />
      {events.isPending && <Loader size="sm" />}
      {events.isSuccess && items.length === 0 && <Text>{t('audit.empty')}</Text>}
      {items.length > 0 && (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('audit.columns.time')}</Table.Th>
              <Table.Th>{t('audit.columns.action')}</Table.Th>
              <Table.Th>{t('audit.columns.target')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((event) => (
              <Table.Tr key={event.id}>
                <Table.Td>{time.format(new Date(event.createdAt))}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {event.action}
                  </Text>
                </Table.Td>
                <Table.Td>{[event.targetType, event.targetId].filter(Boolean).join(' ') || '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {events.hasNextPage && (
        <Button variant="default" loading={events.isFetchingNextPage} onClick={() => void events.fetchNextPage()}>
          {t('audit.loadMore')}
        </Button>
      )}
    </Stack>
  );
}

/** Platform operators: the installation's Peppol certificates and its own audit log. */
export function CertificatesSection() {
  const { t } = useTranslation();
  const certificates = useCertificates();
  const items = certificates.data?.items ?? [];
  // Nothing to watch on an installation without Peppol.
  if (certificates.isSuccess && items.length === 0) return null;
  // The previous certificate of a rollover is meant to run out: no warning for it.
  const attention = items.filter(
    (c) => c.purpose !== 'access_point_previous' && (c.state === 'expires_soon' || c.state === 'expired'),
  );
  const rolling = items.some((c) => c.purpose === 'access_point_previous');
  return (
    <Stack component="section" aria-label={t('certificates.title')}>
      <Title order={2}>{t('certificates.title')}</Title>
      <Text c="dimmed">{t('certificates.intro', { days: certificates.data?.warningDays ?? 30 })}</Text>
      {certificates.isPending && <Loader size="sm" />}
      <FormError error={certificates.error} />
      {attention.map((c) => (
        <Alert
          key={c.purpose}
          color={c.state === 'expired' ? 'red' : 'orange'}
          title={`${purposeLabel(t, c.purpose)}: ${t(`certificates.states.${c.state}`, { count: c.daysLeft })}`}
        >
          {t(c.state === 'expired' ? 'certificates.expiredWarning' : 'certificates.soonWarning')}
        </Alert>
      ))}
      {items.length > 0 && (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('certificates.columns.purpose')}</Table.Th>
              <Table.Th>{t('certificates.columns.subject')}</Table.Th>
              <Table.Th>{t('certificates.columns.notAfter')}</Table.Th>
              <Table.Th>{t('certificates.columns.state')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((c) => (
              <CertificateRow key={c.purpose} certificate={c} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {rolling && <Text c="dimmed">{t('certificateRollover.previousHint')}</Text>}
      <InstallationLog />
    </Stack>
  );
}
