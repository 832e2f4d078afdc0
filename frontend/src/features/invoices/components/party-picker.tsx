import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import type { Party } from '../model';

/** Picks one of the user's participant ids (organization name and id). */
export function PartyPicker({
  parties,
  value,
  onChange,
  label,
}: {
  parties: readonly Party[];
  value: string | undefined;
  onChange: (partyId: string) => void;
  label?: string;
}) {
  const { t } = useTranslation();
  return (
    <Select
      label={label ?? t('invoices.party')}
      data={parties.map((party) => ({ value: party.partyId, label: `${party.organizationName} (${party.partyId})` }))}
      value={value ?? null}
      allowDeselect={false}
      onChange={(next) => {
        if (next !== null) onChange(next);
      }}
      maw={420}
    />
  );
}
