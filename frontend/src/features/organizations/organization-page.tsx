import { Anchor, Badge, Group, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { isApiError } from '@/api/errors';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';

import { ActivationTab } from './activation-tab';
import { useOrganization } from './api/organizations';
import { DetailsTab } from './details-tab';
import { IdentifiersTab } from './identifiers-tab';
import { orgRoleLabel, orgStatusColor, orgStatusLabel } from './labels';
import { MembersTab } from './members-tab';

type Tab = 'details' | 'activation' | 'identifiers' | 'members';
const TABS: readonly string[] = ['details', 'activation', 'identifiers', 'members'] satisfies Tab[];

function isTab(value: string | null): value is Tab {
  return value !== null && TABS.includes(value);
}

/** One organization: details, activation, identifiers, members, connection keys and webhooks. */
export function OrganizationPage() {
  const { t } = useTranslation();
  const { organizationId } = useParams({ from: '/app/organizations/$organizationId' });
  const organization = useOrganization(organizationId);
  const [tab, setTab] = useState<Tab>('details');
  const navigate = useNavigate();

  if (isApiError(organization.error) && organization.error.status === 404) return <NotFound />;
  if (organization.isPending) return <Loader size="sm" />;
  if (organization.data === undefined) return <FormError error={organization.error} />;

  const org = organization.data;
  const canManage = org.myRole === 'administrator';
  return (
    <Stack>
      <Anchor component={Link} to="/organizations" size="sm">
        ← {t('organizations.backToList')}
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1}>{org.statutoryName}</Title>
          {org.tradeNames.length > 0 && <Text c="dimmed">{org.tradeNames.join(' · ')}</Text>}
        </div>
        <Group gap="xs">
          <Badge color={orgStatusColor(org.status)} variant="light" size="lg">
            {orgStatusLabel(t, org.status)}
          </Badge>
          <Text size="sm" c="dimmed">
            {t('organizations.yourRole', { role: orgRoleLabel(t, org.myRole) })}
          </Text>
        </Group>
      </Group>
      <Tabs
        value={tab}
        onChange={(value) => {
          if (isTab(value)) setTab(value);
          // Connection keys have their own page (the connections feature).
          else if (value === 'connections') void navigate({ to: '/organizations/$organizationId/connections', params: { organizationId } });
          // So have webhooks (the hooks feature).
          else if (value === 'webhooks') void navigate({ to: '/organizations/$organizationId/webhooks', params: { organizationId } });
        }}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="details">{t('organizations.tabs.details')}</Tabs.Tab>
          <Tabs.Tab value="activation">{t('organizations.tabs.activation')}</Tabs.Tab>
          <Tabs.Tab value="identifiers">{t('organizations.tabs.identifiers')}</Tabs.Tab>
          <Tabs.Tab value="members">{t('organizations.tabs.members')}</Tabs.Tab>
          <Tabs.Tab value="connections">{t('organizations.tabs.connections')}</Tabs.Tab>
          <Tabs.Tab value="webhooks">{t('organizations.tabs.webhooks')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="details" pt="md">
          <DetailsTab org={org} canManage={canManage} />
        </Tabs.Panel>
        <Tabs.Panel value="activation" pt="md">
          <ActivationTab org={org} canManage={canManage} />
        </Tabs.Panel>
        <Tabs.Panel value="identifiers" pt="md">
          <IdentifiersTab org={org} canManage={canManage} />
        </Tabs.Panel>
        <Tabs.Panel value="members" pt="md">
          <MembersTab org={org} canManage={canManage} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
