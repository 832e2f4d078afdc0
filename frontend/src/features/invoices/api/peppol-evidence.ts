import type { components } from '@/api/generated/schema';
import { $api, fetchClient } from '@/api/client';

import type { Box } from '../model';

export type PeppolExchange = components['schemas']['PeppolExchangeDto'];
export type PeppolEvidencePart = components['schemas']['PeppolEvidencePart'];

const EXCHANGES_PATH = {
  outbox: '/api/v1/parties/{partyId}/sales-invoices/{id}/peppol-exchanges',
  inbox: '/api/v1/parties/{partyId}/purchase-invoices/{id}/peppol-exchanges',
} as const;
const EVIDENCE_PATH = {
  outbox: '/api/v1/parties/{partyId}/sales-invoices/{id}/peppol-exchanges/{exchangeId}/{part}',
  inbox: '/api/v1/parties/{partyId}/purchase-invoices/{id}/peppol-exchanges/{exchangeId}/{part}',
} as const;

/** The document's AS4 exchanges, newest first (a document has a handful at most). */
export function usePeppolExchanges(box: Box, partyId: string, id: string) {
  return $api.useQuery('get', EXCHANGES_PATH[box], { params: { path: { partyId, id }, query: { limit: 200 } } });
}

/** Downloads one stored blob of an exchange, with the session's token, byte for byte. */
export async function downloadEvidence(
  box: Box,
  partyId: string,
  id: string,
  exchangeId: string,
  part: PeppolEvidencePart,
): Promise<Blob> {
  const { data, response } = await fetchClient.GET(EVIDENCE_PATH[box], {
    params: { path: { partyId, id, exchangeId, part } },
    parseAs: 'blob',
  });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}

/** The file name of a downloaded blob. */
export function evidenceFileName(exchangeId: string, part: PeppolEvidencePart): string {
  return `peppol-${exchangeId}-${part === 'ubl' ? 'ubl.xml' : `${part}.mime`}`;
}
