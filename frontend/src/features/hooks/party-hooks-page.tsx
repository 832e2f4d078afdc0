import { Anchor, Loader, Select, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { isApiError } from '@/api/errors';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';

import { useOrganizationOf } from './api/hooks';
import { HooksPanel } from './hooks-panel';

/** Organization → Webhooks: the hooks of one of its participant ids. */
export function PartyHooksPage() {
  const { t } = useTranslation();
  const { organizationId } = useParams({ from: '/app/organizations/$organizationId/webhooks' });
  const organization = useOrganizationOf(organizationId);
  const [chosen, setChosen] = useState<string | null>(null);

  if (isApiError(organization.error) && organization.error.status === 404) return <NotFound />;
  if (organization.isPending) return <Loader size="sm" />;
  if (organization.data === undefined) return <FormError error={organization.error} />;
  const org = organization.data;
  const parties = org.identifiers.filter((i) => i.registered).map((i) => i.participantId);
  const partyId = chosen ?? parties[0] ?? null;
  return (
    <Stack>
      <Anchor
        size="sm"
        renderRoot={(props) => <Link to="/organizations/$organizationId" params={{ organizationId }} {...props} />}
      >
        ← {org.statutoryName}
      </Anchor>
      <Title order={1}>{t('hooks.partyTitle', { name: org.statutoryName })}</Title>
      {partyId === null ? (
        <Text c="dimmed">{t('hooks.noParty')}</Text>
      ) : (
        <>
          {parties.length > 1 && (
            <Select
              label={t('hooks.party')}
              data={parties}
              value={partyId}
              onChange={setChosen}
              allowDeselect={false}
              w={320}
            />
          )}
          <HooksPanel key={partyId} scope={{ kind: 'party', partyId }} canManage={org.myRole === 'administrator'} />
        </>
      )}
    </Stack>
  );
}
