import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';

import { $api, fetchClient, withCache, type ApiMutationOptions, type paths } from '@/api/client';
import { call, type ApiError } from '@/api/errors';

import type { Box, DocumentStatus, DownloadFormat, SendResult, ValidationReport } from '../model';

/** The filters of a box (the cursor is the query's business). */
export type BoxQuery = Omit<
  NonNullable<paths['/api/v1/parties/{partyId}/sales-invoices']['get']['parameters']['query']>,
  'before' | 'limit'
>;

const PAGE_SIZE = 50;

const LIST_PATH = {
  outbox: '/api/v1/parties/{partyId}/sales-invoices',
  inbox: '/api/v1/parties/{partyId}/purchase-invoices',
} as const;
const ONE_PATH = {
  outbox: '/api/v1/parties/{partyId}/sales-invoices/{id}',
  inbox: '/api/v1/parties/{partyId}/purchase-invoices/{id}',
} as const;
const EVENTS_PATH = {
  outbox: '/api/v1/parties/{partyId}/sales-invoices/{id}/events',
  inbox: '/api/v1/parties/{partyId}/purchase-invoices/{id}/events',
} as const;
const DOWNLOAD_PATH = {
  outbox: '/api/v1/parties/{partyId}/sales-invoices/{id}/download',
  inbox: '/api/v1/parties/{partyId}/purchase-invoices/{id}/download',
} as const;

export const invoiceKeys = {
  /** Every cached page of a box, for any party and filter. */
  list: (box: Box) => ['get', LIST_PATH[box]] as const,
  one: (box: Box, partyId: string, id: string) =>
    $api.queryOptions('get', ONE_PATH[box], { params: { path: { partyId, id } } }).queryKey,
  events: (box: Box, partyId: string, id: string) =>
    $api.queryOptions('get', EVENTS_PATH[box], { params: { path: { partyId, id } } }).queryKey,
};

/** The participant ids the user may act for (the party picker). */
export function useMyParties() {
  return $api.useQuery('get', '/api/v1/me/parties', undefined, { staleTime: 60_000 });
}

/**
 * A box of one party, newest first, a page at a time (`before` = the previous page's `nextCursor`).
 * Not `$api.useInfiniteQuery`: openapi-react-query 0.5 sends `before=0` for the first page.
 */
export function useDocuments(box: Box, partyId: string | undefined, query: BoxQuery) {
  const path = { partyId: partyId ?? '' };
  return useInfiniteQuery({
    queryKey: $api.queryOptions('get', LIST_PATH[box], { params: { path, query } }).queryKey,
    enabled: partyId !== undefined,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      call(
        fetchClient.GET(LIST_PATH[box], {
          params: {
            path,
            query: { ...query, limit: PAGE_SIZE, ...(pageParam === undefined ? {} : { before: pageParam }) },
          },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

export function useDocument(box: Box, partyId: string, id: string) {
  return $api.useQuery('get', ONE_PATH[box], { params: { path: { partyId, id } } }, { retry: false });
}

/** The history, newest first (the latest 200 events: enough for one document's life). */
export function useDocumentEvents(box: Box, partyId: string, id: string) {
  return $api.useQuery('get', EVENTS_PATH[box], { params: { path: { partyId, id }, query: { limit: 200 } } });
}

/** Downloads one form of a document, with the session's token, as a blob. */
export async function downloadDocument(
  box: Box,
  partyId: string,
  id: string,
  format: DownloadFormat,
  lang: 'nl' | 'en',
): Promise<Blob> {
  const { data, response } = await fetchClient.GET(DOWNLOAD_PATH[box], {
    params: { path: { partyId, id }, query: { format, lang } },
    parseAs: 'blob',
  });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}

/** The HTML rendering of a document (self-contained; shown in a sandboxed iframe). */
export function useRendering(box: Box, partyId: string, id: string, lang: 'nl' | 'en', enabled: boolean) {
  return $api.useQuery(
    'get',
    DOWNLOAD_PATH[box],
    { params: { path: { partyId, id }, query: { format: 'html', lang } }, parseAs: 'text' },
    { enabled, retry: false, staleTime: Infinity },
  );
}

function useRefreshDocument(box: Box) {
  const queryClient = useQueryClient();
  return (partyId: string, id: string) =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: invoiceKeys.one(box, partyId, id) }),
      queryClient.invalidateQueries({ queryKey: invoiceKeys.events(box, partyId, id) }),
      queryClient.invalidateQueries({ queryKey: invoiceKeys.list(box) }),
    ]);
}

/** Sends an outbox document again (optionally to another receiver id first). */
export function useResend(options: ApiMutationOptions<'post', '/api/v1/parties/{partyId}/sales-invoices/{id}/resend'> = {}) {
  const refresh = useRefreshDocument('outbox');
  return $api.useMutation('post', '/api/v1/parties/{partyId}/sales-invoices/{id}/resend', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_data, variables) => refresh(variables.params.path.partyId, variables.params.path.id),
    }),
  });
}

/** Sets an inbox document's status by hand (with an optional note for the history). */
export function useSetStatus(options: ApiMutationOptions<'post', '/api/v1/parties/{partyId}/purchase-invoices/{id}/status'> = {}) {
  const refresh = useRefreshDocument('inbox');
  return $api.useMutation('post', '/api/v1/parties/{partyId}/purchase-invoices/{id}/status', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_data, variables) => refresh(variables.params.path.partyId, variables.params.path.id),
    }),
  });
}

/**
 * Answers an inbox document with a Peppol Invoice Response (AP, RE, PD, ...); the server sets the
 * status to follow the code and sends the response to the seller.
 */
export function useRespond(options: ApiMutationOptions<'post', '/api/v1/parties/{partyId}/purchase-invoices/{id}/responses'> = {}) {
  const refresh = useRefreshDocument('inbox');
  return $api.useMutation('post', '/api/v1/parties/{partyId}/purchase-invoices/{id}/responses', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_data, variables) => refresh(variables.params.path.partyId, variables.params.path.id),
    }),
  });
}

/** Records that a person opened an inbox document. */
export function useMarkOpened() {
  const refresh = useRefreshDocument('inbox');
  return $api.useMutation('post', '/api/v1/parties/{partyId}/purchase-invoices/{id}/opened', {
    onSuccess: (_data, variables) => refresh(variables.params.path.partyId, variables.params.path.id),
  });
}

export function useDeleteInvoice(options: ApiMutationOptions<'delete', '/api/v1/parties/{partyId}/purchase-invoices/{id}'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('delete', '/api/v1/parties/{partyId}/purchase-invoices/{id}', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: () => queryClient.invalidateQueries({ queryKey: invoiceKeys.list('inbox') }),
    }),
  });
}

function uploadForm(file: File): FormData {
  const form = new FormData();
  form.append('file', file, file.name);
  return form;
}

/** Validates a file without storing it (POST /validate). */
export function useValidateFile() {
  return useMutation<ValidationReport, ApiError, File>({
    mutationFn: (file) =>
      call(
        fetchClient.POST('/api/v1/validate', {
          // openapi-fetch passes FormData through and lets the browser set the boundary.
          body: uploadForm(file) as unknown as { file: string },
          bodySerializer: (body) => body as unknown as FormData,
        }),
      ),
  });
}

export interface SendVariables {
  partyId: string;
  file: File;
  /** One per upload: a retried request with the same key sends once. */
  idempotencyKey: string;
}

/** Sends a sales invoice from a party; the outbox is refetched afterwards. */
export function useSendInvoice() {
  const queryClient = useQueryClient();
  return useMutation<SendResult, ApiError, SendVariables>({
    mutationFn: ({ partyId, file, idempotencyKey }) =>
      call(
        fetchClient.POST('/api/v1/parties/{partyId}/sales-invoices', {
          params: { path: { partyId }, header: { 'Idempotency-Key': idempotencyKey } },
          body: uploadForm(file) as unknown as { file: string },
          bodySerializer: (body) => body as unknown as FormData,
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: invoiceKeys.list('outbox') }),
  });
}

export type { DocumentStatus };
