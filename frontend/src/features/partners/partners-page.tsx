import { Alert, Anchor, Badge, Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath } from '@/api/errors';
import type { PartnerGrant, PartnerRequest, Partnership } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { formatDateTime } from '@/lib/format';
import { useCurrentUser } from '@/lib/session';

import {
  useAcceptPartnerAccess,
  useAcceptPartnerRequest,
  useDeclinePartnerRequest,
  useEndPartnership,
  useMyPartnerAccess,
  useOpenPartnerRequest,
  usePartnerRequests,
  usePartnerships,
  useSendPartnerRequest,
  useWithdrawPartnerRequest,
} from './api/partners';
import { statusColor } from './labels';

const route = getRouteApi('/app/partners');

/** Whether the signed-in user handles partner work (Advanced, Administrator or flagged). */
function useRelationshipManager(): boolean {
  const me = useCurrentUser();
  return me.role !== 'basic' || me.relationshipManager;
}

function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={statusColor(status)} variant="light">
      {t(`partners.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

/** Accept and decline for a received request that is still pending. */
function AnswerButtons({ request }: { request: PartnerRequest }) {
  const { t } = useTranslation();
  const accept = useAcceptPartnerRequest({
    onSuccess: (partnership) => { notifySuccess(t('partners.accepted', { organization: partnership.organizationName })); },
  });
  const decline = useDeclinePartnerRequest({ onSuccess: () => { notifySuccess(t('partners.declined')); } });
  const path = { params: { path: { id: request.id } } };
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Button size="xs" loading={accept.isPending} onClick={() => { accept.mutate(path); }}>
          {t('partners.accept')}
        </Button>
        <Button size="xs" variant="default" loading={decline.isPending} onClick={() => { decline.mutate(path); }}>
          {t('partners.decline')}
        </Button>
      </Group>
      {accept.error !== null && (
        <>
          <FormError error={accept.error} />
          <Anchor component={Link} to="/organizations/new" size="sm">
            {t('partners.addOrganization', { kvk: request.kvkNumber })}
          </Anchor>
        </>
      )}
      <FormError error={decline.error} />
    </Stack>
  );
}

/** The emailed link: opens the request for this environment and shows who asks for what. */
function OpenedRequest({ token }: { token: string }) {
  const { t, i18n } = useTranslation();
  const open = useOpenPartnerRequest();
  const { mutate } = open;
  useEffect(() => {
    mutate({ body: { token } });
  }, [mutate, token]);
  if (open.error !== null) return <FormError error={open.error} title={t('partners.linkFailed')} />;
  const request = open.data;
  if (request === undefined) return <Text c="dimmed">{t('common.loading')}</Text>;
  return (
    <Alert color="blue" title={t('partners.requestTitle', { environment: request.requesterEnvironmentName })}>
      <Stack gap="xs">
        <Text>
          {t('partners.requestText', {
            name: request.requestedByName,
            environment: request.requesterEnvironmentName,
            kvk: request.kvkNumber,
            software: request.software,
          })}
        </Text>
        <Group gap="xs">
          <StatusBadge status={request.status} />
          <Text size="sm" c="dimmed">
            {t('partners.expires', { date: formatDateTime(request.expiresAt, i18n.language) })}
          </Text>
        </Group>
        {request.status === 'pending' && <AnswerButtons request={request} />}
      </Stack>
    </Alert>
  );
}

function SendRequestForm() {
  const { t } = useTranslation();
  const empty = { clientName: '', clientEmail: '', software: '', kvkNumber: '' };
  const [values, setValues] = useState(empty);
  const [language, setLanguage] = useState<'nl' | 'en'>('nl');
  const send = useSendPartnerRequest({
    onSuccess: (request) => {
      notifySuccess(t('partners.sent', { email: request.clientEmail }));
      setValues(empty);
    },
  });
  const errors = fieldErrorsByPath(send.error);
  const field = (name: keyof typeof empty) => ({
    label: t(`partners.form.${name}`),
    value: values[name],
    error: errors[name],
    onChange: (event: React.ChangeEvent<HTMLInputElement>) => {
      const { value } = event.currentTarget;
      setValues((current) => ({ ...current, [name]: value }));
    },
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        send.mutate({ body: { ...values, language } });
      }}
      noValidate
    >
      <Stack>
        <Title order={2} size="h4">
          {t('partners.form.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('partners.form.intro')}
        </Text>
        <Group align="flex-start" grow>
          <TextInput required {...field('clientName')} />
          <TextInput required type="email" {...field('clientEmail')} />
        </Group>
        <Group align="flex-start" grow>
          <TextInput required {...field('software')} />
          <TextInput required {...field('kvkNumber')} />
          <Select
            label={t('partners.form.language')}
            data={[
              { value: 'nl', label: t('languages.nl') },
              { value: 'en', label: t('languages.en') },
            ]}
            value={language}
            allowDeselect={false}
            onChange={(value) => {
              setLanguage(value === 'en' ? 'en' : 'nl');
            }}
          />
        </Group>
        {Object.keys(errors).length === 0 && <FormError error={send.error} />}
        <Group>
          <Button type="submit" loading={send.isPending}>
            {t('partners.form.send')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RequestsTable({ side }: { side: 'sent' | 'received' }) {
  const { t } = useTranslation();
  const requests = usePartnerRequests(side);
  const withdraw = useWithdrawPartnerRequest({ onSuccess: () => { notifySuccess(t('partners.withdrawn')); } });
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        {t(`partners.${side}Title`)}
      </Title>
      <FormError error={requests.error ?? withdraw.error} />
      {requests.data?.length === 0 && <Text c="dimmed">{t('partners.noRequests')}</Text>}
      {requests.data !== undefined && requests.data.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table striped aria-label={t(`partners.${side}Title`)}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{side === 'sent' ? t('partners.client') : t('partners.from')}</Table.Th>
                <Table.Th>{t('partners.kvk')}</Table.Th>
                <Table.Th>{t('partners.software')}</Table.Th>
                <Table.Th>{t('partners.statusLabel')}</Table.Th>
                <Table.Th>{t('partners.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {requests.data.map((request) => (
                <Table.Tr key={request.id}>
                  <Table.Td>
                    {side === 'sent'
                      ? `${request.clientName} (${request.clientEmail})`
                      : `${request.requesterEnvironmentName} (${request.requestedByEmail})`}
                  </Table.Td>
                  <Table.Td>{request.kvkNumber}</Table.Td>
                  <Table.Td>{request.software}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={request.status} />
                  </Table.Td>
                  <Table.Td>
                    {request.status === 'pending' && side === 'received' && <AnswerButtons request={request} />}
                    {request.status === 'pending' && side === 'sent' && (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        aria-label={t('partners.withdrawLabel', { name: request.clientName })}
                        onClick={() => { withdraw.mutate({ params: { path: { id: request.id } } }); }}
                      >
                        {t('partners.withdraw')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function PartnershipRow({ partnership, canEnd }: { partnership: Partnership; canEnd: boolean }) {
  const { t } = useTranslation();
  const end = useEndPartnership({ onSuccess: () => { notifySuccess(t('partners.ended')); } });
  const other = partnership.side === 'partner' ? partnership.clientEnvironmentName : partnership.partnerEnvironmentName;
  return (
    <Table.Tr>
      <Table.Td>{partnership.organizationName}</Table.Td>
      <Table.Td>{other}</Table.Td>
      <Table.Td>{t(`partners.side.${partnership.side}`)}</Table.Td>
      <Table.Td>
        <StatusBadge status={partnership.status} />
      </Table.Td>
      <Table.Td>
        {canEnd && partnership.status === 'active' && (
          <Button
            size="xs"
            variant="subtle"
            color="red"
            loading={end.isPending}
            aria-label={t('partners.endLabel', { name: partnership.organizationName })}
            onClick={() => { end.mutate({ params: { path: { id: partnership.id } } }); }}
          >
            {t('partners.end')}
          </Button>
        )}
        <FormError error={end.error} />
      </Table.Td>
    </Table.Tr>
  );
}

function Partnerships({ canEnd }: { canEnd: boolean }) {
  const { t } = useTranslation();
  const partnerships = usePartnerships();
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        {t('partners.partnershipsTitle')}
      </Title>
      <FormError error={partnerships.error} />
      {partnerships.data?.length === 0 && <Text c="dimmed">{t('partners.noPartnerships')}</Text>}
      {partnerships.data !== undefined && partnerships.data.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped aria-label={t('partners.partnershipsTitle')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('partners.organization')}</Table.Th>
                <Table.Th>{t('partners.otherSide')}</Table.Th>
                <Table.Th>{t('partners.yourSide')}</Table.Th>
                <Table.Th>{t('partners.statusLabel')}</Table.Th>
                <Table.Th>{t('partners.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {partnerships.data.map((partnership) => (
                <PartnershipRow key={partnership.id} partnership={partnership} canEnd={canEnd} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function MyAccessRow({ grant }: { grant: PartnerGrant }) {
  const { t } = useTranslation();
  const accept = useAcceptPartnerAccess({
    onSuccess: (accepted) => { notifySuccess(t('partners.accessAccepted', { organization: accepted.organizationName })); },
  });
  return (
    <Table.Tr>
      <Table.Td>
        {grant.status === 'active' ? (
          <Anchor
            renderRoot={(props) => (
              <Link to="/organizations/$organizationId" params={{ organizationId: grant.organizationId }} {...props} />
            )}
          >
            {grant.organizationName}
          </Anchor>
        ) : (
          grant.organizationName
        )}
      </Table.Td>
      <Table.Td>{t(`partners.role.${grant.role}`)}</Table.Td>
      <Table.Td>
        <StatusBadge status={grant.status} />
      </Table.Td>
      <Table.Td>
        {grant.status === 'offered' && (
          <Button
            size="xs"
            loading={accept.isPending}
            aria-label={t('partners.acceptAccessLabel', { organization: grant.organizationName })}
            onClick={() => { accept.mutate({ params: { path: { id: grant.id } } }); }}
          >
            {t('partners.accept')}
          </Button>
        )}
        <FormError error={accept.error} />
      </Table.Td>
    </Table.Tr>
  );
}

function MyAccess() {
  const { t } = useTranslation();
  const grants = useMyPartnerAccess();
  if (grants.data?.length === 0) return null;
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        {t('partners.myAccessTitle')}
      </Title>
      <FormError error={grants.error} />
      {grants.data !== undefined && (
        <Table striped aria-label={t('partners.myAccessTitle')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('partners.organization')}</Table.Th>
              <Table.Th>{t('partners.roleLabel')}</Table.Th>
              <Table.Th>{t('partners.statusLabel')}</Table.Th>
              <Table.Th>{t('partners.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {grants.data.map((grant) => (
              <MyAccessRow key={grant.id} grant={grant} />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/**
 * `/partners`: access clients offered you; and for relationship managers the authorisation
 * requests sent and received, the partnerships, and the request form. With `?token=` (the
 * emailed link) the request is opened first and shown on top.
 */
export function PartnersPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const manager = useRelationshipManager();
  return (
    <Stack gap="xl">
      <Title order={1}>{t('partners.title')}</Title>
      {token !== undefined && <OpenedRequest token={token} />}
      <MyAccess />
      {manager ? (
        <>
          <RequestsTable side="received" />
          <Partnerships canEnd />
          <RequestsTable side="sent" />
          <SendRequestForm />
        </>
      ) : (
        <Text c="dimmed">{t('partners.notManager')}</Text>
      )}
    </Stack>
  );
}
