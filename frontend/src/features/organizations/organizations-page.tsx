import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

import { FormError } from '@/components/forms/form-error';
import { useCurrentUser } from '@/lib/session';

import { useOrganizations } from './api/organizations';
import { orgRoleLabel, orgStatusColor, orgStatusLabel } from './labels';

/** The organizations the user can see; environment Administrators can add one. */
export function OrganizationsPage() {
  const { t } = useTranslation();
  const me = useCurrentUser();
  const organizations = useOrganizations();
  const isAdmin = me.role === 'administrator';

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t('organizations.title')}</Title>
        {isAdmin && (
          <Button component={Link} to="/organizations/new">
            {t('organizations.add')}
          </Button>
        )}
      </Group>
      <Text c="dimmed">{t('organizations.intro')}</Text>
      <FormError error={organizations.error} />
      {organizations.isPending && <Loader size="sm" />}
      {organizations.data?.length === 0 && (
        <Text>{isAdmin ? t('organizations.emptyAdmin') : t('organizations.empty')}</Text>
      )}
      {organizations.data !== undefined && organizations.data.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('organizations.columns.name')}</Table.Th>
                <Table.Th>{t('organizations.columns.kvk')}</Table.Th>
                <Table.Th>{t('organizations.columns.status')}</Table.Th>
                <Table.Th>{t('organizations.columns.myRole')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {organizations.data.map((org) => (
                <Table.Tr key={org.id}>
                  <Table.Td>
                    <Anchor
                      renderRoot={(props) => (
                        <Link to="/organizations/$organizationId" params={{ organizationId: org.id }} {...props} />
                      )}
                    >
                      {org.statutoryName}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{org.kvkNumber ?? '—'}</Table.Td>
                  <Table.Td>
                    <Badge color={orgStatusColor(org.status)} variant="light">
                      {orgStatusLabel(t, org.status)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{orgRoleLabel(t, org.myRole)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
