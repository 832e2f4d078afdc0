import { useQuery } from '@tanstack/react-query';

import { $api, fetchClient } from '@/api/client';
import { call } from '@/api/errors';

import type { InvoiceDocument } from '../stats';

type Box = 'outbox' | 'inbox';

const LIST_PATH = {
  outbox: '/api/v1/parties/{partyId}/sales-invoices',
  inbox: '/api/v1/parties/{partyId}/purchase-invoices',
} as const;

/** The largest page the list endpoints give. */
const PAGE_SIZE = 200;

/**
 * Every document of a box created since `from`, page by page. Fine for the volumes of today;
 * a counting endpoint on the server would spare the paging for busy parties.
 */
async function allSince(box: Box, partyId: string, from: string, signal: AbortSignal): Promise<InvoiceDocument[]> {
  const documents: InvoiceDocument[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await call(
      fetchClient.GET(LIST_PATH[box], {
        params: {
          path: { partyId },
          query: { from, limit: PAGE_SIZE, ...(before === undefined ? {} : { before }) },
        },
        signal,
      }),
    );
    documents.push(...page.items);
    if (page.nextCursor === null || page.nextCursor === undefined || page.items.length === 0) return documents;
    before = page.nextCursor;
  }
}

/**
 * The sent and received documents of each party since `from`, in one query (not `useQueries`:
 * its observer would land in the query vendor chunk, which the first load carries).
 */
export function usePartyDocuments(partyIds: readonly string[], from: string) {
  return useQuery({
    queryKey: ['dashboard', 'documents', from, ...partyIds],
    queryFn: async ({ signal }) => {
      const boxes = await Promise.all(
        partyIds.map(async (partyId) => {
          const [outbox, inbox] = await Promise.all([
            allSince('outbox', partyId, from, signal),
            allSince('inbox', partyId, from, signal),
          ]);
          return [partyId, { outbox, inbox }] as const;
        }),
      );
      return new Map(boxes);
    },
    enabled: partyIds.length > 0,
    staleTime: 60_000,
  });
}

/** Outbox documents that failed, of any age, per party (the first page: the newest 200). */
export function useFailures(partyIds: readonly string[]) {
  return useQuery({
    queryKey: ['dashboard', 'failed', ...partyIds],
    queryFn: async ({ signal }) => {
      const pages = await Promise.all(
        partyIds.map((partyId) =>
          call(
            fetchClient.GET(LIST_PATH.outbox, {
              params: { path: { partyId }, query: { status: 'failed', limit: PAGE_SIZE } },
              signal,
            }),
          ),
        ),
      );
      return pages.flatMap((page) => page.items);
    },
    enabled: partyIds.length > 0,
    staleTime: 60_000,
  });
}

/** The participant ids the user may act for. */
export function useMyParties() {
  return $api.useQuery('get', '/api/v1/me/parties', undefined, { staleTime: 60_000 });
}

/** The environment, for its receiving setting. */
export function useEnvironment() {
  return $api.useQuery('get', '/api/v1/environment');
}
