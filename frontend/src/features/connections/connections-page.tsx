import { Anchor, Loader, Stack, Title } from '@mantine/core';
import { Link, useParams } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { isApiError } from '@/api/errors';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';

import { useOrganizationOf } from './api/connections';
import { ConnectionsTab } from './connections-tab';

/** Organization → Connections: the organization's connection keys. */
export function ConnectionsPage() {
  const { t } = useTranslation();
  const { organizationId } = useParams({ from: '/app/organizations/$organizationId/connections' });
  const organization = useOrganizationOf(organizationId);

  if (isApiError(organization.error) && organization.error.status === 404) return <NotFound />;
  if (organization.isPending) return <Loader size="sm" />;
  if (organization.data === undefined) return <FormError error={organization.error} />;
  const org = organization.data;
  return (
    <Stack>
      <Anchor
        size="sm"
        renderRoot={(props) => <Link to="/organizations/$organizationId" params={{ organizationId }} {...props} />}
      >
        ← {org.statutoryName}
      </Anchor>
      <Title order={1}>{t('connections.title', { name: org.statutoryName })}</Title>
      <ConnectionsTab org={org} canManage={org.myRole === 'administrator'} />
    </Stack>
  );
}
