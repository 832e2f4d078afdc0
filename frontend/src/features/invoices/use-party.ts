import { useState } from 'react';

import { useMyParties } from './api/invoices';
import type { Party } from './model';

const STORAGE_KEY = 'haven.invoices.party';

/**
 * The party whose boxes are shown: the last one picked (kept for this tab), else the first the
 * user has that fits `fits` (send rights for the outbox, say).
 */
export function useChosenParty(fits: (party: Party) => boolean = () => true) {
  const parties = useMyParties();
  const [picked, setPicked] = useState<string | null>(() => sessionStorage.getItem(STORAGE_KEY));
  const list = (parties.data ?? []).filter(fits);
  const chosen = list.find((party) => party.partyId === picked) ?? list[0];
  return {
    parties: list,
    query: parties,
    partyId: chosen?.partyId,
    setPartyId: (partyId: string) => {
      sessionStorage.setItem(STORAGE_KEY, partyId);
      setPicked(partyId);
    },
  };
}
