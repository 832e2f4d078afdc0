import { Badge, Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath } from '@/api/errors';
import type { Organization, PartnerGrant } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import {
  useOfferPartnerAccess,
  useOrganizationPartnerAccess,
  usePartnershipsOf,
  useRevokePartnerAccess,
} from './api/partner-access';

const GRANT_COLORS: Record<string, string> = { active: 'green', offered: 'blue', revoked: 'red' };

function OfferAccess({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const active = usePartnershipsOf(org.id).data ?? [];
  const [partnershipId, setPartnershipId] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'member' | 'administrator'>('member');
  const offer = useOfferPartnerAccess({
    onSuccess: (grant) => {
      notifySuccess(t('partners.access.offered', { email: grant.userEmail }));
      setEmail('');
    },
  });
  if (active.length === 0) return <Text c="dimmed">{t('partners.access.noPartnership')}</Text>;
  const chosen = partnershipId ?? active[0]?.id ?? null;
  const errors = fieldErrorsByPath(offer.error);
  return (
    <Stack gap="xs">
      <Group align="flex-start">
        <Select
          label={t('partners.access.partner')}
          data={active.map((p) => ({ value: p.id, label: p.partnerEnvironmentName }))}
          value={chosen}
          allowDeselect={false}
          onChange={setPartnershipId}
          w={240}
        />
        <TextInput
          label={t('partners.access.email')}
          type="email"
          value={email}
          error={errors.userEmail}
          onChange={(event) => {
            setEmail(event.currentTarget.value);
          }}
          w={260}
        />
        <Select
          label={t('partners.roleLabel')}
          data={[
            { value: 'member', label: t('partners.role.member') },
            { value: 'administrator', label: t('partners.role.administrator') },
          ]}
          value={role}
          allowDeselect={false}
          onChange={(value) => {
            setRole(value === 'administrator' ? 'administrator' : 'member');
          }}
          w={200}
        />
        <Button
          mt={25}
          disabled={chosen === null || email.trim() === ''}
          loading={offer.isPending}
          onClick={() => {
            if (chosen !== null) {
              offer.mutate({
                params: { path: { id: org.id } },
                body: { partnershipId: chosen, userEmail: email.trim(), role },
              });
            }
          }}
        >
          {t('partners.access.offer')}
        </Button>
      </Group>
      {errors.userEmail === undefined && <FormError error={offer.error} />}
    </Stack>
  );
}

function GrantRow({ org, grant, canManage }: { org: Organization; grant: PartnerGrant; canManage: boolean }) {
  const { t } = useTranslation();
  const revoke = useRevokePartnerAccess({ onSuccess: () => { notifySuccess(t('partners.access.revoked')); } });
  return (
    <Table.Tr>
      <Table.Td>
        {grant.userName || grant.userEmail}{' '}
        <Badge size="sm" variant="outline">
          {t('partners.access.partnerBadge', { environment: grant.partnerEnvironmentName })}
        </Badge>
      </Table.Td>
      <Table.Td>{grant.userEmail}</Table.Td>
      <Table.Td>{t(`partners.role.${grant.role}`)}</Table.Td>
      <Table.Td>
        <Badge color={GRANT_COLORS[grant.status] ?? 'gray'} variant="light">
          {t(`partners.status.${grant.status}`)}
        </Badge>
      </Table.Td>
      {canManage && (
        <Table.Td>
          {grant.status !== 'revoked' && (
            <Button
              size="xs"
              variant="subtle"
              color="red"
              loading={revoke.isPending}
              aria-label={t('partners.access.revokeLabel', { name: grant.userEmail })}
              onClick={() => { revoke.mutate({ params: { path: { id: org.id, grantId: grant.id } } }); }}
            >
              {t('partners.access.revoke')}
            </Button>
          )}
          <FormError error={revoke.error} />
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/**
 * Users of partner environments (accountants) with access to the organization, marked as
 * partners; its own Organization Administrators offer and revoke that access here.
 */
export function PartnerAccessSection({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const grants = useOrganizationPartnerAccess(org.id);
  const shown = (grants.data ?? []).filter((g) => g.status !== 'revoked');
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        {t('partners.access.title')}
      </Title>
      <FormError error={grants.error} />
      {shown.length > 0 && (
        <Table striped aria-label={t('partners.access.title')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('organizations.members.name')}</Table.Th>
              <Table.Th>{t('organizations.members.email')}</Table.Th>
              <Table.Th>{t('partners.roleLabel')}</Table.Th>
              <Table.Th>{t('partners.statusLabel')}</Table.Th>
              {canManage && <Table.Th>{t('partners.actions')}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((grant) => (
              <GrantRow key={grant.id} org={org} grant={grant} canManage={canManage} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {shown.length === 0 && <Text c="dimmed">{t('partners.access.empty')}</Text>}
      {canManage && <OfferAccess org={org} />}
    </Stack>
  );
}
