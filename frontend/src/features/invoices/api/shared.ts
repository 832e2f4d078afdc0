import { $publicApi, bareClient } from '@/api/bare-client';

import type { DownloadFormat } from '../model';

/** The invoice behind a private email link (no session: the link token is the key). */
export function useSharedInvoice(token: string) {
  return $publicApi.useQuery(
    'get',
    '/api/v1/shared-invoice',
    { params: { header: { 'Haven-Link-Token': token } } },
    { retry: false },
  );
}

/** One form of the shared invoice, as a blob (the token goes in a header, never in a URL). */
export async function downloadShared(token: string, format: DownloadFormat, lang: 'nl' | 'en'): Promise<Blob> {
  const { data, response } = await bareClient.GET('/api/v1/shared-invoice/download', {
    params: { header: { 'Haven-Link-Token': token }, query: { format, lang } },
    parseAs: 'blob',
  });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}
